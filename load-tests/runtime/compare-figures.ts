/**
 * Pure helpers of `npm run bench:node`: pick the numeric figures out of a bench's last JSON line
 * and compare two runtimes by the medians of their rounds.
 */

/** The last line of `output` that parses as a JSON object. */
export function lastJsonObject(output: string): Record<string, unknown> | undefined {
  const lines = output.trimEnd().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (!line.startsWith('{')) continue;
    try {
      const parsed: unknown = JSON.parse(line);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // not JSON: keep looking upwards
    }
  }
  return undefined;
}

/** Every finite number in `value`, keyed by its dotted path (`a.b`, `steps.0.rate`). */
export function numericFigures(value: unknown, prefix = ''): Map<string, number> {
  const out = new Map<string, number>();
  const visit = (v: unknown, path: string): void => {
    if (typeof v === 'number' && Number.isFinite(v)) out.set(path, v);
    else if (Array.isArray(v)) v.forEach((item, i) => visit(item, path ? `${path}.${i}` : String(i)));
    else if (v && typeof v === 'object') for (const [k, item] of Object.entries(v)) visit(item, path ? `${path}.${k}` : k);
  };
  visit(value, prefix);
  return out;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface FigureComparison {
  readonly baseline: number;
  readonly candidate: number;
  /** candidate / baseline, rounded to 3 decimals; null when the baseline is 0. */
  readonly ratio: number | null;
}

/** Per figure present in every round of both runtimes: medians and their ratio. */
export function compareRounds(
  baseline: readonly Map<string, number>[],
  candidate: readonly Map<string, number>[],
): Record<string, FigureComparison> {
  const all = [...baseline, ...candidate];
  if (all.length === 0) return {};
  const keys = [...all[0]!.keys()].filter((k) => all.every((m) => m.has(k)));
  const out: Record<string, FigureComparison> = {};
  for (const k of keys) {
    const b = median(baseline.map((m) => m.get(k)!));
    const c = median(candidate.map((m) => m.get(k)!));
    out[k] = { baseline: b, candidate: c, ratio: b === 0 ? null : Math.round((c / b) * 1000) / 1000 };
  }
  return out;
}
