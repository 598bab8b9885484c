// Creating topics on a broker is tested on Apache Kafka in ensure-topics.int.test.ts.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadTopicsManifest, repoRoot } from '@tidewater/schemas';
import { describe, expect, it } from 'vitest';
import { topicCreationRequests } from './ensure-topics.js';

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

describe('create-topics.ts', () => {
  it('exits 1 with TW_CONFIG_INVALID when KAFKA_BROKERS is missing', async () => {
    const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(repoRoot, 'deploy/docker/create-topics.ts')], {
      cwd: repoRoot,
      env: { PATH: process.env['PATH'] ?? '' },
    }).catch((e: unknown) => e as { code?: unknown; stdout?: unknown });
    expect((result as { code?: unknown }).code).toBe(1);
    expect(String((result as { stdout?: unknown }).stdout)).toContain('TW_CONFIG_INVALID');
  }, 60_000);
});
