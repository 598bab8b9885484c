import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackDown } from '@tidewater/dev-stack';
import { repoRoot } from '@tidewater/schemas';
import { afterAll, describe, expect, it } from 'vitest';

interface StepLine {
  rate: number;
  sent: number;
  scored: number;
  dlq: number;
  lost: number;
  e2e_p50_ms: number;
  e2e_p99_ms: number;
  e2e_max_ms: number;
}

// `npm run load -- --quick` end to end: its own stack (Apache Kafka, Redis, registry, the five
// services) in a temporary directory, so the services do not consume the shared test stack's topics.
describe('npm run load -- --quick', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-load-quick-'));
  let report: string | undefined;
  afterAll(async () => {
    await stackDown(dir); // in case the run was cut short; the command stops the stack it started
    rmSync(dir, { recursive: true, force: true });
    if (report) rmSync(join(repoRoot, report), { force: true });
  }, 120_000);

  it('scores every event it sends, prints the JSON line and writes the report', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, TIDEWATER_STACK_DIR: dir };
    delete env['BENCH_RECORD']; // a test run is not a figure
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', join(repoRoot, 'load-tests/pipeline/bench-pipeline.ts'), '--quick'],
        { cwd: repoRoot, env, timeout: 280_000, maxBuffer: 16 * 1024 * 1024 },
        (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)),
      );
    });
    const line = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      bench: string;
      steps: StepLine[];
      max_sustained_events_per_s: number;
      report: string;
    };
    report = line.report;
    expect(line.bench).toBe('pipeline-load');
    expect(line.steps.map((s) => s.rate)).toEqual([200, 400]);
    for (const s of line.steps) {
      expect(s.lost).toBe(0);
      expect(s.scored + s.dlq).toBe(s.sent);
      expect(s.e2e_p50_ms).toBeGreaterThan(0);
      expect(s.e2e_p50_ms).toBeLessThanOrEqual(s.e2e_p99_ms);
      expect(s.e2e_p99_ms).toBeLessThanOrEqual(s.e2e_max_ms);
    }
    expect(typeof line.max_sustained_events_per_s).toBe('number');
    const html = join(repoRoot, line.report);
    expect(existsSync(html)).toBe(true);
    expect(readFileSync(html, 'utf8')).toContain('&quot;max_sustained_events_per_s&quot;');
  }, 300_000);
});
