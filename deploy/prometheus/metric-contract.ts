// What the rules and dashboards may query: the metric names the code registers with prom-client,
// Node's default metrics, Prometheus's own per-target series, and names recorded by our rules.
// Shared by deploy/prometheus/*.test.ts and deploy/grafana/dashboards.test.ts.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { parse } from 'yaml';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const rulesDir = join(repoRoot, 'deploy', 'prometheus', 'rules');
export const ruleTestsDir = join(repoRoot, 'deploy', 'prometheus', 'tests');
export const runbooksDir = join(repoRoot, 'docs', 'runbooks');
/** Every alert's runbook_url is this prefix, the alert name and `.md`. */
export const runbookBaseUrl = 'https://github.com/tidewater/tidewater/blob/main/docs/runbooks/';

/** Series Prometheus writes itself: per scrape target, and ALERTS for alerting rules. */
export const prometheusSeries = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'ALERTS', 'ALERTS_FOR_STATE'];

const sourceRoots = ['libs', 'services'];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'generated') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/**
 * `tw_*` names written as string literals in source files that import prom-client, mapped to the
 * files they appear in. Scanning literals rather than `name:` keys also finds names kept in constants
 * (alerting's delivery metrics). A label such as `tw_service` is found too, which is harmless: no
 * expression queries a metric of that name.
 */
export function registeredTidewaterMetrics(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const root of sourceRoots) {
    for (const pkg of readdirSync(join(repoRoot, root), { withFileTypes: true })) {
      if (!pkg.isDirectory()) continue;
      let files: string[];
      try {
        files = sourceFiles(join(repoRoot, root, pkg.name, 'src'));
      } catch {
        continue; // a package without src/
      }
      for (const file of files) {
        const text = readFileSync(file, 'utf8');
        if (!/from ['"]prom-client['"]/.test(text)) continue;
        for (const m of text.matchAll(/['"`](tw_[a-z0-9_]+)['"`]/g)) {
          const name = m[1] as string;
          found.set(name, [...(found.get(name) ?? []), relative(repoRoot, file)]);
        }
      }
    }
  }
  return found;
}

/** Node's default metrics as prom-client registers them for every service (process_*, nodejs_*). */
export async function defaultMetricNames(): Promise<string[]> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return (await registry.getMetricsAsJSON()).map((m) => m.name);
}

export interface RuleFile {
  readonly groups: readonly {
    readonly name: string;
    readonly rules: readonly {
      readonly record?: string;
      readonly alert?: string;
      readonly expr: string;
      readonly for?: string;
      readonly labels?: Record<string, string>;
      readonly annotations?: Record<string, string>;
    }[];
  }[];
}

export function ruleFilePaths(): string[] {
  return readdirSync(rulesDir)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => join(rulesDir, f));
}

export function loadRules(): { path: string; file: RuleFile }[] {
  return ruleFilePaths().map((path) => ({ path, file: parse(readFileSync(path, 'utf8')) as RuleFile }));
}

export function alertRules() {
  return loadRules().flatMap(({ file }) => file.groups.flatMap((g) => g.rules.filter((r) => r.alert !== undefined)));
}

export function recordedNames(): Set<string> {
  return new Set(loadRules().flatMap(({ file }) => file.groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : [])))));
}

const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'atan2']);

/**
 * The metric names a PromQL expression selects. A small lexer, not a parser: it drops strings,
 * label matchers, ranges, grouping clauses, numbers, durations and Grafana variables, then keeps
 * identifiers that are not followed by `(` (functions, aggregations) and are not keywords.
 * `label_values(metric, label)` (Grafana's variable query) yields `metric`.
 */
export function promqlMetricNames(expr: string): string[] {
  let s = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*(?::[A-Za-z]+)?\}?/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\b(?:group_left|group_right)\b/g, ' ');
  // label_values(metric, label): the label is not a metric.
  s = s.replace(/\blabel_values\s*\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*,\s*[A-Za-z_][A-Za-z0-9_]*\s*\)/g, ' $1 ');
  s = s.replace(/(?<![A-Za-z0-9_:])[0-9][0-9.]*(?:e[+-]?[0-9]+)?(?:ms|s|m|h|d|w|y)?/gi, ' ');
  const names = new Set<string>();
  for (const m of s.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(?=(\s*\()?)/g)) {
    const name = m[0];
    if (m[1] !== undefined) continue; // a function or an aggregation
    if (keywords.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}

/** Whether `name` is a series the services, Prometheus or our rules produce. */
export function isKnownSeries(name: string, known: ReadonlySet<string>): boolean {
  if (known.has(name)) return true;
  const histogramPart = /^(.+)_(bucket|sum|count)$/.exec(name);
  return histogramPart !== null && known.has(histogramPart[1] as string);
}
