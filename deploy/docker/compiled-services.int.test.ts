// The image's layout without Docker: deploy/docker/build.ts compiles the services as the build
// stage does, then each service starts from services/<name>/dist/main.js with plain node and the
// image's flags (no tsx, node's type stripping off, so any TypeScript reached fails the start) on
// the dev stack, turns ready and exits 0 on SIGTERM; compose's kafka-init script runs compiled too.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serviceNames } from '@tidewater/dev-stack';
import { repoRoot } from '@tidewater/schemas';
import { stackEndpoints } from '@tidewater/test-support';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDist, compiledNodeFlags } from './build.js';
import { startService } from './service-start.js';

const logDir = join(repoRoot, '.tidewater', 'test-logs', 'compiled');

describe('the compiled services (the image layout, without Docker)', () => {
  beforeAll(async () => {
    const result = await buildDist();
    expect(result.outputs).toContain('services/ingestion/dist/main.js');
  }, 120_000);

  it('runs the kafka-init script from deploy/docker/dist with plain node', async () => {
    const child = spawn(process.execPath, [...compiledNodeFlags, '--no-experimental-strip-types', 'deploy/docker/dist/create-topics.js'], {
      cwd: repoRoot,
      env: { ...process.env, KAFKA_BROKERS: stackEndpoints().brokers.join(','), TOPIC_REPLICATION_FACTOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code, output).toBe(0);
    expect(output).toContain('topics ready');
  });

  it.each(serviceNames)('starts %s from its dist/main.js, ready on /readyz, and stops it with exit 0', async (service) => {
    const logFile = join(logDir, `${service}.log`);
    const started = await startService(
      service,
      'compiled',
      {
        ...stackEndpoints().env,
        KAFKA_CLIENT_ID: `tidewater-${service}-compiled`,
        REDIS_KEY_PREFIX: `tw:compiled-test-${Date.now()}:${service}:`,
        API_KEYS: 'dev:e21f99df45733a54b5279905a4188cde359715de072df16599f66977ac94bfb4',
        ALERTING_CONFIG_FILE: join(repoRoot, 'deploy', 'alerting.dev.yaml'),
      },
      { logFile, timeoutMs: 90_000, pollMs: 100 },
    );
    try {
      expect(started.readyMs).toBeGreaterThan(0);
      const metrics = await fetch(`http://127.0.0.1:${started.port}/metrics`).then((r) => r.text());
      expect(metrics).toContain('tw_build_info');
    } finally {
      expect(await started.stop(), readFileSync(logFile, 'utf8').slice(-2000)).toBe(0);
    }
  });
});
