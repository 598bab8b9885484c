// Runs against the dev stack's mock Kafka cluster, which does not implement CreateTopics: the
// creation path runs against real Kafka in CI's compose smoke test; here the topics exist already.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { startMockKafka, type MockKafka } from '@tidewater/dev-kafka';
import { loadTopicsManifest, repoRoot } from '@tidewater/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTopics, topicCreationRequests, topicSetupErrors } from './ensure-topics.js';

const { topics } = loadTopicsManifest();

describe('topicCreationRequests', () => {
  it('asks for each manifest topic with its partitions, cleanup policy and retention', () => {
    const requests = topicCreationRequests(topics, 3);
    expect(requests.map((r) => r.topic)).toEqual(topics.map((t) => t.name));
    topics.forEach((t, i) => {
      expect(requests[i]).toEqual({
        topic: t.name,
        numPartitions: t.partitions,
        replicationFactor: 3,
        configEntries: [
          { name: 'cleanup.policy', value: t.cleanupPolicy },
          { name: 'retention.ms', value: String(t.retentionMs) },
        ],
      });
    });
  });
});

describe('ensureTopics and create-topics.ts on a cluster that has the topics', () => {
  let kafka: MockKafka;
  let admin: Admin;

  beforeAll(async () => {
    kafka = await startMockKafka({ brokers: 1, topics });
    admin = new Kafka({ brokers: kafka.bootstrapServers, clientId: 'ensure-topics-test', logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  }, 60_000);

  afterAll(async () => {
    await admin?.disconnect();
    await kafka?.stop();
  });

  it('creates nothing and reports every topic as existing', async () => {
    expect(await ensureTopics(admin, topics, { replicationFactor: 1 })).toEqual({ created: [], existing: topics.map((t) => t.name) });
  });

  it('fails with TW_TOPICS_TOO_FEW_PARTITIONS, naming the topic, when one has fewer partitions than listed', async () => {
    const [first, ...rest] = topics;
    if (!first) throw new Error('empty manifest');
    const wanted = [{ ...first, partitions: first.partitions * 2 }, ...rest];
    const err: unknown = await ensureTopics(admin, wanted, { replicationFactor: 1 }).catch((e: unknown) => e);
    expect(topicSetupErrors.is(err, 'TW_TOPICS_TOO_FEW_PARTITIONS')).toBe(true);
    expect(topicSetupErrors.is(err) && err.retriable).toBe(false);
    expect(topicSetupErrors.is(err) && err.details?.['topics']).toEqual([
      { topic: first.name, listed: first.partitions * 2, actual: first.partitions },
    ]);
  });

  it('runs as the kafka-init command does and exits 0', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'deploy/docker/create-topics.ts'], {
      cwd: repoRoot,
      env: { PATH: process.env['PATH'] ?? '', KAFKA_BROKERS: kafka.bootstrapServers.join(',') },
    });
    expect(stdout).toContain(`0 created, ${topics.length} already there`);
  }, 60_000);

  it('exits 1 with TW_CONFIG_INVALID when KAFKA_BROKERS is missing', async () => {
    const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(repoRoot, 'deploy/docker/create-topics.ts')], {
      cwd: repoRoot,
      env: { PATH: process.env['PATH'] ?? '' },
    }).catch((e: unknown) => e as { code?: unknown; stdout?: unknown });
    expect((result as { code?: unknown }).code).toBe(1);
    expect(String((result as { stdout?: unknown }).stdout)).toContain('TW_CONFIG_INVALID');
  }, 60_000);
});
