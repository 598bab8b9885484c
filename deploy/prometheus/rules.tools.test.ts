// The Prometheus rules pass `promtool check rules` and their promtool unit tests (tests/*.test.yml).
// promtool comes from Debian's `prometheus` package, which .ci/run installs, or PROMTOOL; without it
// these tests fail rather than skip.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, ruleFilePaths, ruleTestsDir } from './metric-contract.js';

const promtool = process.env['PROMTOOL'] ?? 'promtool';

function runPromtool(args: string[]): { status: number | null; output: string } {
  const r = spawnSync(promtool, args, { cwd: repoRoot, encoding: 'utf8', timeout: 55_000 });
  if (r.error) {
    throw new Error(
      `cannot run ${promtool} (${r.error.message}): install Debian's prometheus package (apt-get install -y prometheus; .ci/run does) or set PROMTOOL`,
    );
  }
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const testFiles = readdirSync(ruleTestsDir)
  .filter((f) => f.endsWith('.test.yml'))
  .map((f) => join(ruleTestsDir, f));

describe('Prometheus rules', () => {
  it('pass promtool check rules', () => {
    const r = runPromtool(['check', 'rules', ...ruleFilePaths()]);
    expect(r.status, r.output).toBe(0);
  }, 60_000);

  it('pass their promtool unit tests', () => {
    expect(testFiles.length).toBeGreaterThan(0);
    const r = runPromtool(['test', 'rules', ...testFiles]);
    expect(r.status, r.output).toBe(0);
  }, 60_000);
});
