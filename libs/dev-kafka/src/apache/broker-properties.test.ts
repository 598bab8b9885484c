import { describe, expect, it } from 'vitest';
import { brokerJvmOptions, brokerProperties, newClusterId, type KraftNode } from './broker-properties.js';

const node = (nodeId: number): KraftNode => ({
  nodeId,
  port: 9000 + nodeId,
  controllerPort: 9100 + nodeId,
  logDir: `/tmp/k/node-${nodeId}`,
});

function parseProperties(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('brokerProperties', () => {
  it('makes one combined KRaft node that is its own quorum, with internal topics of replication 1', () => {
    const p = parseProperties(brokerProperties(node(1), [node(1)]));
    expect(p).toMatchObject({
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': '1@127.0.0.1:9101',
      listeners: 'PLAINTEXT://127.0.0.1:9001,CONTROLLER://127.0.0.1:9101',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:9001',
      'controller.listener.names': 'CONTROLLER',
      'log.dirs': '/tmp/k/node-1',
      'offsets.topic.replication.factor': '1',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'group.initial.rebalance.delay.ms': '0',
    });
  });

  it('gives every node of a three-node cluster the same voters and replication 3', () => {
    const cluster = [node(1), node(2), node(3)];
    const all = cluster.map((n) => parseProperties(brokerProperties(n, cluster)));
    expect(new Set(all.map((p) => p['controller.quorum.voters']))).toEqual(new Set(['1@127.0.0.1:9101,2@127.0.0.1:9102,3@127.0.0.1:9103']));
    expect(all.map((p) => p['node.id'])).toEqual(['1', '2', '3']);
    expect(all.every((p) => p['offsets.topic.replication.factor'] === '3' && p['default.replication.factor'] === '3')).toBe(true);
  });

  it("adds a PROXIED listener advertised at a fault proxy's port when asked (chaos runs)", () => {
    const p = parseProperties(brokerProperties({ ...node(1), proxied: { port: 9201, advertisedPort: 9301 } }, [node(1)]));
    expect(p).toMatchObject({
      listeners: 'PLAINTEXT://127.0.0.1:9001,CONTROLLER://127.0.0.1:9101,PROXIED://127.0.0.1:9201',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:9001,PROXIED://127.0.0.1:9301',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,PROXIED:PLAINTEXT',
      'inter.broker.listener.name': 'PLAINTEXT',
    });
  });
});

describe('brokerJvmOptions', () => {
  it('bounds the heap and points log4j2 at the given file', () => {
    const opts = brokerJvmOptions(512, '/x/log4j2.properties');
    expect(opts).toContain('-Xmx512m');
    expect(opts).toContain('-Xms256m');
    expect(opts.find((o) => o.startsWith('-Dlog4j2.configurationFile='))).toBe('-Dlog4j2.configurationFile=/x/log4j2.properties');
  });
});

describe('newClusterId', () => {
  it('gives 22 URL-safe base64 characters, different each time', () => {
    const a = newClusterId();
    expect(a).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    expect(newClusterId()).not.toBe(a);
  });

  it('draws again when an id would start with "-", which kafka-storage reads as an option', () => {
    // 0xf8 encodes to '-' as the first base64url character.
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x00)];
    const id = newClusterId(() => draws.shift()!);
    expect(id).toBe('AAAAAAAAAAAAAAAAAAAAAA');
    expect(draws).toHaveLength(0);
  });
});
