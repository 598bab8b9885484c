// The Grafana dashboards' queries are valid PromQL: promtool (Debian's `prometheus` package, which
// .ci/run installs, or PROMTOOL) checks them as recording rules, with Grafana's variables filled in.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { dashboards, queries } from './dashboard-model.js';

describe('Grafana dashboards', () => {
  it('query valid PromQL (promtool check rules, with Grafana variables filled in)', () => {
    const rules = dashboards.flatMap(([file, d]) =>
      queries(d).map(({ where, expr }, i) => ({
        record: `dashboard:check:${i}`,
        expr: expr
          .replace(/^label_values\((.+),\s*[A-Za-z_][A-Za-z0-9_]*\)$/s, '$1')
          .replace(/\$__rate_interval|\$__interval|\$__range/g, '5m')
          .replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, '.*'),
        labels: { file, where },
      })),
    );
    const tmp = mkdtempSync(join(tmpdir(), 'tw-dashboards-'));
    try {
      const path = join(tmp, 'dashboards.rules.yml');
      writeFileSync(path, stringify({ groups: [{ name: 'dashboards', rules }] }));
      const promtool = process.env['PROMTOOL'] ?? 'promtool';
      const r = spawnSync(promtool, ['check', 'rules', path], { encoding: 'utf8', timeout: 55_000 });
      if (r.error) throw new Error(`cannot run ${promtool} (${r.error.message}): install Debian's prometheus package or set PROMTOOL`);
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 60_000);
});
