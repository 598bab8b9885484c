// Every Dockerfile in the repository passes hadolint (which runs ShellCheck on its RUN lines) with
// no finding at any level, style included. hadolint comes from the PyPI wheel pinned in
// deploy/docker/hadolint-requirements.txt, installed by test/prepare.sh into .tidewater/venv-hadolint.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '@tidewater/schemas';
import { describe, expect, it } from 'vitest';

const hadolint = process.env['HADOLINT'] ?? join(repoRoot, '.tidewater/venv-hadolint/bin/hadolint');
const skipDirs = new Set(['node_modules', '.git', '.tidewater', '.nx', 'dist']);

/** Repository paths of every Dockerfile (`Dockerfile`, `Dockerfile.*`, `*.Dockerfile`, `*.dockerfile`). */
function dockerfiles(dir = repoRoot): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory()) return skipDirs.has(e.name) ? [] : dockerfiles(join(dir, e.name));
    return /^Dockerfile(\..+)?$|\.[Dd]ockerfile$/.test(e.name) ? [relative(repoRoot, join(dir, e.name))] : [];
  });
}

describe('hadolint', () => {
  const files = dockerfiles();

  it('is installed (test/prepare.sh) and finds the Dockerfiles', () => {
    expect(existsSync(hadolint), `${hadolint} is missing: run bash test/prepare.sh`).toBe(true);
    const version = spawnSync(hadolint, ['--version'], { encoding: 'utf8' });
    expect(version.stdout).toMatch(/Haskell Dockerfile Linter 2\./);
    expect(files).toContain('deploy/docker/Dockerfile');
  });

  it.each(dockerfiles())('finds nothing in %s, style included', (file) => {
    const run = spawnSync(hadolint, ['--no-color', '--failure-threshold', 'style', '--format', 'json', file], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    const findings = JSON.parse(run.stdout || '[]') as { line: number; code: string; level: string; message: string }[];
    expect(findings.map((f) => `${file}:${f.line} ${f.code} ${f.level}: ${f.message}`)).toEqual([]);
    expect(run.status, run.stderr).toBe(0);
  });
});
