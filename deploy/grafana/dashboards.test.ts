// The Grafana dashboards in deploy/grafana/dashboards/: each file is a dashboard model Grafana can
// import (schema version, unique panel ids on a grid that does not overlap, the ${datasource}
// variable on every panel and query), uids and titles unique across files, and every metric a
// panel or variable queries is one the services register (or Prometheus or our rules write).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  defaultMetricNames,
  isKnownSeries,
  prometheusSeries,
  promqlMetricNames,
  recordedNames,
  registeredTidewaterMetrics,
  repoRoot,
} from '../prometheus/metric-contract.js';
import { pendingMetrics } from '../prometheus/pending-metrics.js';

const dir = join(repoRoot, 'deploy', 'grafana', 'dashboards');
const datasourceRef = z.object({ type: z.literal('prometheus'), uid: z.literal('${datasource}') });
const gridPos = z.object({
  x: z.number().int().min(0),
  y: z.number().int().min(0),
  w: z.number().int().min(1).max(24),
  h: z.number().int().min(1),
});
const target = z.looseObject({ refId: z.string().min(1), expr: z.string().min(1), datasource: datasourceRef });
type Panel = {
  id: number;
  type: string;
  title: string;
  gridPos: z.infer<typeof gridPos>;
  datasource?: unknown;
  targets?: unknown;
  panels?: Panel[];
};
const panel: z.ZodType<Panel> = z.lazy(() =>
  z.looseObject({
    id: z.number().int().positive(),
    type: z.string().min(1),
    title: z.string().min(1),
    gridPos,
    datasource: z.unknown().optional(),
    targets: z.unknown().optional(),
    panels: z.array(panel).optional(),
  }),
);
const variable = z.looseObject({
  name: z.string().min(1),
  type: z.string().min(1),
  datasource: z.unknown().optional(),
  query: z.unknown().optional(),
});
const dashboardSchema = z.looseObject({
  uid: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/),
  title: z.string().min(1),
  schemaVersion: z.number().int().min(36),
  tags: z.array(z.string()),
  time: z.object({ from: z.string(), to: z.string() }),
  templating: z.object({ list: z.array(variable) }),
  panels: z.array(panel).min(1),
});
type Dashboard = z.infer<typeof dashboardSchema>;

const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
const dashboards: [string, Dashboard][] = files.map((f) => [f, dashboardSchema.parse(JSON.parse(readFileSync(join(dir, f), 'utf8')))]);
const grafanaBuiltIns = new Set(['__rate_interval', '__interval', '__range', '__range_s', '__interval_ms', '__dashboard']);

function allPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

function queries(d: Dashboard): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const p of allPanels(d)) {
    if (p.type === 'row') continue;
    for (const t of z.array(target).parse(p.targets)) out.push({ where: `panel ${p.id} "${p.title}" ${t.refId}`, expr: t.expr });
  }
  for (const v of d.templating.list) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : z.object({ query: z.string() }).parse(v.query).query;
    out.push({ where: `variable ${v.name}`, expr: q });
  }
  return out;
}

describe('Grafana dashboards', () => {
  it('exist: the pipeline overview, one per service, drift and alert delivery', () => {
    expect(files.sort()).toEqual(
      ['alert-delivery', 'alerting', 'drift', 'drift-monitor', 'feature', 'inference', 'ingestion', 'pipeline-overview']
        .map((n) => `${n}.json`)
        .sort(),
    );
  });

  it('have uids and titles unique across files', () => {
    const uids = dashboards.map(([, d]) => d.uid);
    const titles = dashboards.map(([, d]) => d.title);
    expect(new Set(uids).size).toBe(uids.length);
    expect(new Set(titles).size).toBe(titles.length);
  });

  it.each(dashboards)('%s: unique panel ids on a grid where no two panels overlap', (_f, d) => {
    const panels = allPanels(d);
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
    for (const [i, a] of panels.entries()) {
      for (const b of panels.slice(i + 1)) {
        const overlap =
          a.gridPos.x < b.gridPos.x + b.gridPos.w &&
          b.gridPos.x < a.gridPos.x + a.gridPos.w &&
          a.gridPos.y < b.gridPos.y + b.gridPos.h &&
          b.gridPos.y < a.gridPos.y + a.gridPos.h;
        expect(overlap, `${a.title} / ${b.title}`).toBe(false);
      }
    }
  });

  it.each(dashboards)('%s: a Prometheus datasource variable that every panel, target and query variable uses', (_f, d) => {
    const ds = d.templating.list.find((v) => v.name === 'datasource');
    expect(ds).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const p of allPanels(d)) {
      if (p.type === 'row') continue;
      expect(datasourceRef.safeParse(p.datasource).success, `panel ${p.title}`).toBe(true);
      const targets = z.array(target).min(1).safeParse(p.targets);
      expect(targets.success, `panel ${p.title}: ${targets.error?.message}`).toBe(true);
      const refIds = targets.data?.map((t) => t.refId) ?? [];
      expect(new Set(refIds).size, `panel ${p.title}`).toBe(refIds.length);
    }
    for (const v of d.templating.list.filter((x) => x.type === 'query')) {
      expect(datasourceRef.safeParse(v.datasource).success, `variable ${v.name}`).toBe(true);
    }
  });

  it.each(dashboards)('%s: uses only template variables it defines', (_f, d) => {
    const defined = new Set(d.templating.list.map((v) => v.name));
    const undefinedVars: string[] = [];
    for (const { where, expr } of queries(d)) {
      for (const m of expr.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
        const name = m[1] as string;
        if (!defined.has(name) && !grafanaBuiltIns.has(name)) undefinedVars.push(`${where}: $${name}`);
      }
    }
    expect(undefinedVars).toEqual([]);
  });

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

  it('query only metrics that the services register, Prometheus writes or the rules record', async () => {
    const known = new Set([
      ...registeredTidewaterMetrics().keys(),
      ...(await defaultMetricNames()),
      ...prometheusSeries,
      ...recordedNames(),
      ...pendingMetrics,
    ]);
    const unknown: string[] = [];
    let checked = 0;
    for (const [file, d] of dashboards) {
      for (const { where, expr } of queries(d)) {
        const names = promqlMetricNames(expr);
        expect(names.length, `${file} ${where}: no metric in ${expr}`).toBeGreaterThan(0);
        for (const name of names) {
          checked++;
          if (!isKnownSeries(name, known)) unknown.push(`${file} ${where}: ${name}`);
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
    expect(unknown).toEqual([]);
  });
});
