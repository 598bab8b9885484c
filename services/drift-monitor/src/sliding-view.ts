import { addCategoryCount, nextRandom, type WindowState } from './window-accumulator.js';

/**
 * Merges closed tumbling windows into one (the optional sliding view over the last N windows):
 * counts, missing / out-of-range / freshness figures and category counts add up; the reservoirs
 * are merged into one uniform sample of at most `sampleSize` values by taking from each window a
 * share proportional to how many values it saw (its reservoir is a uniform sample of those).
 * Deterministic: the choice is seeded from the number of values merged.
 */
export function mergeWindows(windows: readonly WindowState[], sampleSize: number): WindowState {
  const first = windows[0];
  if (!first) throw new RangeError('mergeWindows needs at least one window');
  const merged = structuredClone(first);
  merged.start = Math.min(...windows.map((w) => w.start));
  merged.end = Math.max(...windows.map((w) => w.end));
  for (const w of windows.slice(1)) {
    merged.n += w.n;
    merged.freshnessSumMs += w.freshnessSumMs;
    merged.freshnessMaxMs = Math.max(merged.freshnessMaxMs, w.freshnessMaxMs);
    merged.deadLetters += w.deadLetters;
    for (const [name, s] of Object.entries(w.numeric)) {
      const m = merged.numeric[name];
      if (!m) continue;
      s.counts.forEach((c, i) => (m.counts[i] = (m.counts[i] ?? 0) + c));
      m.missing += s.missing;
      m.outOfRange += s.outOfRange;
    }
    for (const [name, s] of Object.entries(w.categorical)) {
      const m = merged.categorical[name];
      if (!m) continue;
      for (const [k, c] of Object.entries(s.counts)) addCategoryCount(m.counts, k, c);
      m.missing += s.missing;
      m.overflow += s.overflow;
    }
    w.score.counts.forEach((c, i) => (merged.score.counts[i] = (merged.score.counts[i] ?? 0) + c));
    merged.score.sum += w.score.sum;
    merged.score.positives += w.score.positives;
  }
  for (const name of Object.keys(merged.numeric)) {
    const parts = windows.map((w) => w.numeric[name] ?? { sample: [], seen: 0 });
    Object.assign(merged.numeric[name]!, mergeSamples(parts, sampleSize));
  }
  Object.assign(
    merged.score,
    mergeSamples(
      windows.map((w) => w.score),
      sampleSize,
    ),
  );
  return merged;
}

function mergeSamples(parts: readonly { sample: readonly number[]; seen: number }[], size: number) {
  const seen = parts.reduce((a, p) => a + p.seen, 0);
  const sample: number[] = [];
  // Seeded from the data, so a merge is reproducible.
  const rng = { rng: seen >>> 0 };
  const next = (): number => nextRandom(rng);
  for (const p of parts) {
    if (seen === 0) break;
    // Each part contributes by its share of the values seen: a random subset of its reservoir
    // (partial Fisher-Yates), itself a uniform sample of that window's values.
    const quota = Math.min(p.sample.length, Math.round((size * p.seen) / seen));
    const pool = [...p.sample];
    for (let i = 0; i < quota; i++) {
      const j = i + Math.floor(next() * (pool.length - i));
      [pool[i], pool[j]] = [pool[j] as number, pool[i] as number];
      sample.push(pool[i] as number);
    }
  }
  // Reservoir fields restart: the merged view is read, never added to.
  return { sample: sample.slice(0, size), seen, next: Number.POSITIVE_INFINITY, w: 0 };
}
