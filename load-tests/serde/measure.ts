/** One thing to time: `run(n)` processes n messages (sync, or awaited one by one when async). */
export interface BenchCase {
  readonly name: string;
  /** Which raw avsc case it compares with. */
  readonly op: 'encode' | 'decode';
  /** The case it compares with instead, by name. */
  readonly baseline?: string;
  run(n: number): void | Promise<void>;
}

export interface CaseResult {
  readonly name: string;
  readonly op: BenchCase['op'];
  readonly baseline?: string;
  /** Messages per timed round, sized from the warm-up so a round lasts about `roundMs`. */
  readonly messagesPerRound: number;
  /** msgs/s of each round, in the order run. */
  readonly rates: readonly number[];
  readonly medianPerSecond: number;
}

export interface MeasureOptions {
  readonly rounds: number;
  /** How long each case warms up (JIT, caches) before its round size is chosen. */
  readonly warmupMs: number;
  /** Target duration of one timed round. */
  readonly roundMs: number;
}

/**
 * Warms each case up, then runs the timed rounds round-robin across cases so that noise from a
 * shared machine lands on every case alike, and reports the median rate per case.
 */
export async function measureCases(cases: readonly BenchCase[], opts: MeasureOptions): Promise<CaseResult[]> {
  const sizes = new Map<string, number>();
  for (const c of cases) sizes.set(c.name, await calibrate(c, opts));
  const rates = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let round = 0; round < opts.rounds; round++) {
    for (const c of cases) {
      const n = sizes.get(c.name) ?? 1;
      const seconds = await timeSeconds(() => c.run(n));
      rates.get(c.name)?.push(n / seconds);
    }
  }
  return cases.map((c) => {
    const caseRates = rates.get(c.name) ?? [];
    return {
      name: c.name,
      op: c.op,
      baseline: c.baseline,
      messagesPerRound: sizes.get(c.name) ?? 0,
      rates: caseRates,
      medianPerSecond: median(caseRates),
    };
  });
}

/** Runs growing batches for `warmupMs` and returns the batch size that takes about `roundMs`. */
async function calibrate(c: BenchCase, opts: MeasureOptions): Promise<number> {
  let batch = 100;
  let done = 0;
  let spent = 0;
  while (spent * 1000 < opts.warmupMs) {
    spent += await timeSeconds(() => c.run(batch));
    done += batch;
    batch = Math.min(batch * 2, 50_000);
  }
  const perSecond = done / spent;
  return Math.max(1000, Math.round((perSecond * opts.roundMs) / 1000 / 1000) * 1000);
}

async function timeSeconds(work: () => void | Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
