import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackDown } from '@tidewater/dev-stack';
import { repoRoot } from '@tidewater/schemas';
import { afterAll, describe, expect, it } from 'vitest';

interface ChaosLine {
  bench: string;
  events: number;
  scored: number;
  dlq: number;
  http_refused: number;
  in_both: number;
  lost: number;
  lost_examples: string[];
  duplicates: number;
  duplicate_pct: number;
  faults: { kind: string; at_s: number; recovery_s: number | null; error?: string }[];
  alerts_fired: number;
  alerts_delivered_or_parked: number;
  report: string;
}

// Issue 23 part 3: `npm run chaos -- --short` end to end on a stack of its own (Apache Kafka, Redis
// with its append-only file, the registry, the five services with two inference workers): about
// 100 s of load at 200 events/s through an inference worker SIGKILL, a broker SIGKILL and a Redis
// SIGKILL, each restarted. Fails on any event lost or duplicates above 1%. Recovery times are printed, never asserted:
// on a loaded 2-core machine they are the figures of the run, not a contract.
describe('npm run chaos -- --short', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-chaos-short-'));
  let report: string | undefined;
  afterAll(async () => {
    await stackDown(dir); // in case the run was cut short; the command stops the stack it started
    rmSync(dir, { recursive: true, force: true });
    if (report) rmSync(join(repoRoot, report), { force: true });
  }, 120_000);

  it('loses no event through a worker kill, a broker restart and a Redis restart', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, TIDEWATER_STACK_DIR: dir };
    delete env['BENCH_RECORD']; // a test run is not a figure
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', join(repoRoot, 'load-tests/chaos/bench-chaos.ts'), '--short'],
        { cwd: repoRoot, env, timeout: 840_000, maxBuffer: 16 * 1024 * 1024 },
        // Exit 1 is the command's verdict on a lost event: read its JSON line anyway.
        (err, out, errOut) =>
          err && !out.includes('"bench":"pipeline-chaos"')
            ? reject(new Error(`${err.message}\n${errOut}`))
            : resolve({ stdout: out, stderr: errOut }),
      );
    });
    const line = JSON.parse(stdout.trim().split('\n').at(-1)!) as ChaosLine;
    report = line.report;
    console.log(
      stderr
        .split('\n')
        .filter((l) => /^(t=| {2}back|sent)/.test(l))
        .join('\n'),
    );
    console.log(JSON.stringify({ ...line, faults: line.faults.map((f) => `${f.kind}@${f.at_s}s:${f.recovery_s ?? 'none'}`) }));
    expect(line.bench).toBe('pipeline-chaos');
    expect(line.faults.map((f) => f.kind).sort()).toEqual(['broker-kill', 'inference-kill', 'redis-kill']);
    expect(line.faults.filter((f) => f.error)).toEqual([]);
    expect(line.events).toBeGreaterThan(10_000);
    expect({ lost: line.lost, examples: line.lost_examples, in_both: line.in_both }).toEqual({ lost: 0, examples: [], in_both: 0 });
    expect(line.scored + line.dlq + line.http_refused).toBe(line.events);
    // Services reconnect within a second of the broker's return, before its group coordinator expires
    // them, so their commits go through: 0 duplicates in the runs of issue 23 (15.8% with kafkajs's
    // 30 s backoff cap, from feature redoing batches it could no longer commit).
    expect(line.duplicate_pct).toBeLessThanOrEqual(1);
    expect(line.alerts_delivered_or_parked).toBe(line.alerts_fired);
    expect(existsSync(join(repoRoot, line.report))).toBe(true);
  }, 900_000);
});
