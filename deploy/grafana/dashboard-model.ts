// The Grafana dashboards in deploy/grafana/dashboards/ as parsed models, and the PromQL each
// panel and variable runs: shared by dashboards.test.ts and dashboards.tools.test.ts.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { repoRoot } from '../prometheus/metric-contract.js';

const dir = join(repoRoot, 'deploy', 'grafana', 'dashboards');
export const datasourceRef = z.object({ type: z.literal('prometheus'), uid: z.literal('${datasource}') });
const gridPos = z.object({
  x: z.number().int().min(0),
  y: z.number().int().min(0),
  w: z.number().int().min(1).max(24),
  h: z.number().int().min(1),
});
export const target = z.looseObject({ refId: z.string().min(1), expr: z.string().min(1), datasource: datasourceRef });
export type Panel = {
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
export type Dashboard = z.infer<typeof dashboardSchema>;

export const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
export const dashboards: [string, Dashboard][] = files.map((f) => [
  f,
  dashboardSchema.parse(JSON.parse(readFileSync(join(dir, f), 'utf8'))),
]);
export const grafanaBuiltIns = new Set(['__rate_interval', '__interval', '__range', '__range_s', '__interval_ms', '__dashboard']);

export function allPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

export function queries(d: Dashboard): { where: string; expr: string }[] {
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
