import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readStackState, stackEnv, stackFiles, writeStackState, type StackState } from './stack-layout.js';

function state(dir: string): StackState {
  return {
    dir,
    startedAt: '2026-11-23T00:00:00.000Z',
    kafka: {
      kind: 'mock',
      pids: [1],
      bootstrapServers: ['127.0.0.1:1', '127.0.0.1:2'],
      controlPort: 3,
      logFiles: ['k.log'],
      version: 'mock',
    },
    registry: { pid: 2, url: 'http://127.0.0.1:4', logFile: 'r.log' },
    redis: { url: 'redis://127.0.0.1:41379' },
    slack: { pid: 5, url: 'http://127.0.0.1:6/', captureFile: join(dir, 'slack-capture.jsonl') },
    services: [
      { name: 'ingestion', pid: 7, port: 8001, logFile: 'i.log' },
      { name: 'inference', pid: 8, port: 8002, logFile: 'a.log' },
      { name: 'inference', pid: 9, port: 8003, logFile: 'b.log' },
    ],
  };
}

describe('stack layout', () => {
  it('writes the endpoints services and tests read, one port variable per service', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-stack-'));
    writeStackState(state(dir));
    const env = parseEnv(readFileSync(stackFiles(dir).env, 'utf8'));
    expect(env).toMatchObject({
      KAFKA_BROKERS: '127.0.0.1:1,127.0.0.1:2',
      KAFKA_MOCK_CONTROL_PORT: '3',
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:4',
      REDIS_URL: 'redis://127.0.0.1:41379',
      SLACK_WEBHOOK_URL: 'http://127.0.0.1:6/',
      INGESTION_HTTP_PORT: '8001',
      INFERENCE_HTTP_PORT: '8002',
      INFERENCE_HTTP_PORTS: '8002,8003',
    });
    expect(readStackState(dir)).toEqual(state(dir));
  });

  it('omits the capture file when Slack is real', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-stack-'));
    const env = stackEnv({ ...state(dir), slack: { url: 'https://hooks.slack.com/services/x' } });
    expect(env['SLACK_CAPTURE_FILE']).toBeUndefined();
  });

  it('names no control port for Apache Kafka, which has none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-stack-'));
    const apache = { kind: 'apache', pids: [1, 2, 3], bootstrapServers: ['127.0.0.1:1'], logFiles: ['k.log'], version: '4.4.0' } as const;
    const env = stackEnv({ ...state(dir), kafka: apache });
    expect(env['KAFKA_BROKERS']).toBe('127.0.0.1:1');
    expect(env['KAFKA_MOCK_CONTROL_PORT']).toBeUndefined();
  });
});
