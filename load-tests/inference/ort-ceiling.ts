import type { LoadedModel } from '@tidewater/inference';

/** Median rows/s of back-to-back `score` calls at each batch size: the ceiling any worker can reach. */
export async function ortCeiling(model: LoadedModel, batchSizes: readonly number[], opts: { rounds: number; roundMs: number }) {
  const width = model.featureNames.length;
  const results: { batch: number; rowsPerSecond: number; microsPerRun: number }[] = [];
  for (const batch of batchSizes) {
    const rows = new Float32Array(batch * width);
    for (let i = 0; i < rows.length; i++) rows[i] = (i % 17) / 3;
    for (let i = 0; i < 200; i++) await model.score(rows, batch); // warm-up
    const rates: number[] = [];
    for (let round = 0; round < opts.rounds; round++) {
      let runs = 0;
      const start = performance.now();
      while (performance.now() - start < opts.roundMs) {
        await model.score(rows, batch);
        runs++;
      }
      const seconds = (performance.now() - start) / 1000;
      rates.push((runs * batch) / seconds);
    }
    const rowsPerSecond = median(rates);
    results.push({ batch, rowsPerSecond, microsPerRun: (batch / rowsPerSecond) * 1e6 });
  }
  return results;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
