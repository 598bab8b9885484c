// The Grafana dashboards in deploy/grafana/dashboards/: each file is a dashboard model Grafana can
// import (schema version, unique panel ids on a grid that does not overlap, the ${datasource}
// variable on every panel and query), uids and titles unique across files, and every metric a
// panel or variable queries is one the services register (or Prometheus or our rules write). That
// the queries are valid PromQL is checked by promtool, in dashboards.tools.test.ts.
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  defaultMetricNames,
  isKnownSeries,
  prometheusSeries,
  promqlMetricNames,
  recordedNames,
  registeredTidewaterMetrics,
} from '../prometheus/metric-contract.js';
import { pendingMetrics } from '../prometheus/pending-metrics.js';
import { allPanels, dashboards, datasourceRef, files, grafanaBuiltIns, queries, target } from './dashboard-model.js';

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
