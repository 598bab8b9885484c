import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { loadTopicsManifest } from '@tidewater/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devKafkaErrors } from './errors.js';
import { connectMockKafkaControl } from './mock-kafka-control.js';
import { type MockKafka, startMockKafka } from './start-mock-kafka.js';

/** Alive and not a zombie (an orphan's zombie may linger when PID 1 does not reap). */
function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') !== true;
  } catch {
    return false;
  }
}

async function waitUntilDead(pid: number, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

function portAcceptsConnections(hostPort: string): Promise<boolean> {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const manifest = loadTopicsManifest();

describe('startMockKafka with the topics manifest', () => {
  let mock: MockKafka;
  let kafka: Kafka;

  beforeAll(async () => {
    mock = await startMockKafka({ brokers: 3, topics: manifest.topics });
    kafka = new Kafka({ clientId: 'test', brokers: mock.bootstrapServers, logLevel: logLevel.NOTHING });
  }, 30_000);

  afterAll(async () => {
    await mock?.stop();
  });

  it('reports three brokers and every manifest topic with its partition count', async () => {
    expect(mock.bootstrapServers).toHaveLength(3);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: manifest.topics.map((t) => t.name) });
      const partitionsByTopic = Object.fromEntries(topics.map((t) => [t.name, t.partitions.length]));
      expect(partitionsByTopic).toEqual(Object.fromEntries(manifest.topics.map((t) => [t.name, t.partitions])));
      const replicas = topics.flatMap((t) => t.partitions.map((p) => p.replicas.length));
      expect(new Set(replicas)).toEqual(new Set([3]));
    } finally {
      await admin.disconnect();
    }
  }, 30_000);

  it('delivers 1000 produced messages to a consumer group across all six partitions', async () => {
    const producer = kafka.producer();
    await producer.connect();
    const keys = Array.from({ length: 1000 }, (_, i) => `entity-${i}`);
    for (let i = 0; i < keys.length; i += 100) {
      await producer.send({ topic: 'events.raw', messages: keys.slice(i, i + 100).map((key) => ({ key, value: `value-of-${key}` })) });
    }
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: 'dev-kafka-test', sessionTimeout: 6000, rebalanceTimeout: 6000, heartbeatInterval: 500 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'events.raw', fromBeginning: true });
    const seen = new Map<string, string>();
    const partitions = new Set<number>();
    try {
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            eachMessage: async ({ message, partition }) => {
              seen.set(message.key?.toString() ?? '', message.value?.toString() ?? '');
              partitions.add(partition);
              if (seen.size === keys.length) resolve();
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    expect([...seen.keys()].sort()).toEqual([...keys].sort());
    expect(seen.get('entity-7')).toBe('value-of-entity-7');
    expect([...partitions].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  }, 60_000);
});

describe('startMockKafka lifecycle', () => {
  it('stop() kills the launcher, closes the ports and is idempotent', async () => {
    const mock = await startMockKafka({ brokers: 1, topics: [{ name: 'lifecycle', partitions: 1 }] });
    expect(isProcessAlive(mock.pid)).toBe(true);
    expect(await portAcceptsConnections(mock.bootstrapServers[0] ?? '')).toBe(true);

    const first = mock.stop();
    expect(mock.stop()).toBe(first);
    await first;
    await mock.stop();

    expect(await waitUntilDead(mock.pid)).toBe(true);
    expect(await portAcceptsConnections(mock.bootstrapServers[0] ?? '')).toBe(false);
    await expect(mock.control.ping()).rejects.toMatchObject({ code: 'TW_DEVKAFKA_CONTROL_CLOSED' });
  }, 30_000);

  it('rejects invalid options before spawning anything', async () => {
    const cases = [
      { brokers: 0, topics: [] },
      { topics: [{ name: 'bad name', partitions: 1 }] },
      { topics: [{ name: 'ok', partitions: 0 }] },
      {
        topics: [
          { name: 'twice', partitions: 1 },
          { name: 'twice', partitions: 2 },
        ],
      },
      { controlPort: 70_000, topics: [] },
    ];
    for (const opts of cases) {
      const err: unknown = await startMockKafka(opts).catch((e: unknown) => e);
      expect(devKafkaErrors.is(err, 'TW_DEVKAFKA_INVALID_OPTIONS')).toBe(true);
    }
  });

  it('fails with TW_DEVKAFKA_START_FAILED when the control port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const err: unknown = await startMockKafka({ controlPort: port, topics: [] }).catch((e: unknown) => e);
      expect(devKafkaErrors.is(err, 'TW_DEVKAFKA_START_FAILED')).toBe(true);
      expect(devKafkaErrors.is(err) && err.retriable).toBe(false);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  }, 30_000);

  it('a detached start writes its log file and can be stopped by its handle', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dev-kafka-test-'));
    const logFile = join(dir, 'kafka.log');
    try {
      const mock = await startMockKafka({ detached: true, logFile, topics: [{ name: 'detached', partitions: 2 }] });
      expect(mock.logFile).toBe(logFile);
      await mock.control.ping();
      expect(await readFile(logFile, 'utf8')).toContain(`"controlPort":${mock.controlPort}`);
      await mock.stop();
      expect(await waitUntilDead(mock.pid)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('a detached start outlives the process that started it and stops on shutdown', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dev-kafka-test-'));
    let pid: number | undefined;
    try {
      const started = await startClusterInAProcessThatExits(join(dir, 'orphan.log'));
      pid = started.pid;
      expect(isProcessAlive(started.pid)).toBe(true);

      const kafka = new Kafka({ clientId: 'test', brokers: started.bootstrapServers, logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      const { topics } = await admin.fetchTopicMetadata({ topics: ['orphan'] });
      await admin.disconnect();
      expect(topics[0]?.partitions).toHaveLength(4);

      const control = await connectMockKafkaControl(started.controlPort);
      await control.shutdown();
      expect(await waitUntilDead(started.pid)).toBe(true);
    } finally {
      if (pid !== undefined && isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

/** Runs a separate Node process that starts a detached cluster, drops its handle and exits. */
async function startClusterInAProcessThatExits(logFile: string) {
  const indexUrl = new URL('./index.ts', import.meta.url).href;
  const script = `(async () => {
    const { startMockKafka } = await import(${JSON.stringify(indexUrl)});
    const mock = await startMockKafka({ detached: true, logFile: ${JSON.stringify(logFile)}, brokers: 2, topics: [{ name: 'orphan', partitions: 4 }] });
    console.log(JSON.stringify({ pid: mock.pid, controlPort: mock.controlPort, bootstrapServers: mock.bootstrapServers }));
    await mock.control.close();
  })().catch((err) => { console.error(err); process.exit(1); });`;
  const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
  const starter = spawn(tsx, ['--eval', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  starter.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  starter.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exitCode = await new Promise<number | null>((resolve) => starter.on('close', resolve));
  expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: '' });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as { pid: number; controlPort: number; bootstrapServers: string[] };
}
