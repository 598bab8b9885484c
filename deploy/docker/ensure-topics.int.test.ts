import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createKafkaClient, type KafkaAdmin } from '@tidewater/kafka';
import { loadTopicsManifest, repoRoot } from '@tidewater/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEndpoints, uniqueName } from '@tidewater/test-support';
import { ensureTopics, topicSetupErrors } from './ensure-topics.js';

const { topics } = loadTopicsManifest();

describe('ensureTopics on Apache Kafka', () => {
  // The manifest's topics under fresh names: the stack already has the real ones.
  const prefix = uniqueName('ensure');
  const renamed = topics.map((t) => ({ ...t, name: `${prefix}.${t.name}` }));
  let admin: KafkaAdmin;

  beforeAll(async () => {
    admin = createKafkaClient({ brokers: stackEndpoints().brokers, clientId: uniqueName('ensure-topics') }).admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.disconnect();
  });

  it('creates every missing topic with its partitions, cleanup policy and retention', async () => {
    expect(await ensureTopics(admin, renamed, { replicationFactor: 1 })).toEqual({ created: renamed.map((t) => t.name), existing: [] });
    const { topics: metadata } = await admin.fetchTopicMetadata({ topics: renamed.map((t) => t.name) });
    expect(new Map(metadata.map((m) => [m.name, m.partitions.length]))).toEqual(new Map(renamed.map((t) => [t.name, t.partitions])));
    const configs = await admin.describeTopicConfigs(
      renamed.map((t) => t.name),
      ['cleanup.policy', 'retention.ms'],
    );
    for (const t of renamed) {
      expect(configs.get(t.name), t.name).toEqual({ 'cleanup.policy': t.cleanupPolicy, 'retention.ms': String(t.retentionMs) });
    }
  });

  it('creates nothing the second time and reports every topic as existing', async () => {
    expect(await ensureTopics(admin, renamed, { replicationFactor: 1 })).toEqual({ created: [], existing: renamed.map((t) => t.name) });
  });

  it('fails with TW_TOPICS_TOO_FEW_PARTITIONS, naming the topic, when one has fewer partitions than listed', async () => {
    const [first, ...rest] = renamed;
    if (!first) throw new Error('empty manifest');
    const wanted = [{ ...first, partitions: first.partitions * 2 }, ...rest];
    const err: unknown = await ensureTopics(admin, wanted, { replicationFactor: 1 }).catch((e: unknown) => e);
    expect(topicSetupErrors.is(err, 'TW_TOPICS_TOO_FEW_PARTITIONS')).toBe(true);
    expect(topicSetupErrors.is(err) && err.retriable).toBe(false);
    expect(topicSetupErrors.is(err) && err.details?.['topics']).toEqual([
      { topic: first.name, listed: first.partitions * 2, actual: first.partitions },
    ]);
  });

  it('runs as the kafka-init command does and exits 0 on a cluster that has the topics', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'deploy/docker/create-topics.ts'], {
      cwd: repoRoot,
      env: { PATH: process.env['PATH'] ?? '', KAFKA_BROKERS: stackEndpoints().brokers.join(',') },
    });
    expect(stdout).toContain(`0 created, ${topics.length} already there`);
  }, 60_000);
});
