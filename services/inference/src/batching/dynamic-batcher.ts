import { closeOnce } from '@tidewater/lifecycle';
import type { LoadedModel } from '../model/index.js';
import { inferenceErrors } from './errors.js';

/** Runs one session over `n` rows; the model's own `score`, or a worker-thread pool's. */
export type Scorer = (model: LoadedModel, rows: Float32Array, n: number) => Promise<Float32Array>;

/** Called after each session run, for metrics. */
export type RunObserver = (model: LoadedModel, rows: number, seconds: number, error?: unknown) => void;

export interface DynamicBatcherOptions {
  /** Most rows in one session run; requests are split or merged up to it. */
  readonly maxBatchSize: number;
  /** How long a run waits for more rows once its first row arrived. 0 runs on the next macrotask. */
  readonly maxDelayMs: number;
  /** Runs of one model at once: 1 on the main thread (ORT's run blocks it), the pool size with workers. */
  readonly maxConcurrentRuns?: number;
  readonly scorer?: Scorer;
  readonly onRun?: RunObserver;
}

export interface DynamicBatcher {
  /**
   * Scores the first `n` rows of `rows` (each `model.featureNames.length` floats), batched with
   * whatever other callers submit for the same model meanwhile. `rows` is copied at submit, so the
   * caller may reuse it at once.
   */
  score(model: LoadedModel, rows: Float32Array, n: number): Promise<Float32Array>;
  /** Rows submitted and not yet scored. */
  pendingRows(): number;
  /** Drops the queue of a retired version once it is idle (the repository's onModelClosed). */
  forget(model: LoadedModel): void;
  /** Refuses new work, runs what is queued, waits for runs in flight. Idempotent. */
  close(): Promise<void>;
}

interface Slice {
  readonly rows: Float32Array;
  readonly n: number;
  readonly out: Float32Array;
  readonly at: number;
  readonly done: {
    remaining: number;
    failed: boolean;
    resolve: (v: Float32Array) => void;
    reject: (e: unknown) => void;
    out: Float32Array;
  };
}

interface ModelQueue {
  readonly model: LoadedModel;
  readonly width: number;
  slices: Slice[];
  rows: number;
  running: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Triton-style dynamic batching for the stream and the OIP endpoints alike: rows from many
 * callers (fetched batches of several partitions, HTTP requests) are merged into one session run
 * of at most `maxBatchSize` rows, run as soon as that many are queued or `maxDelayMs` after the
 * first queued row, whichever comes first. Each caller gets its own scores back in its row order.
 */
export function createDynamicBatcher(opts: DynamicBatcherOptions): DynamicBatcher {
  const { maxBatchSize, maxDelayMs } = opts;
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) {
    throw inferenceErrors.create('TW_INFER_BAD_OPTIONS', `maxBatchSize must be a positive integer, got ${maxBatchSize}`);
  }
  const maxConcurrent = opts.maxConcurrentRuns ?? 1;
  const scorer: Scorer = opts.scorer ?? ((model, rows, n) => model.score(rows, n));
  const queues = new Map<LoadedModel, ModelQueue>();
  const running = new Set<Promise<void>>();
  let pending = 0;
  let closing = false;

  function queueOf(model: LoadedModel): ModelQueue {
    let q = queues.get(model);
    if (!q) {
      q = { model, width: model.featureNames.length, slices: [], rows: 0, running: 0, timer: undefined };
      queues.set(model, q);
    }
    return q;
  }

  function schedule(q: ModelQueue): void {
    while (q.rows > 0 && q.running < maxConcurrent && (q.rows >= maxBatchSize || closing)) startRun(q);
    if (q.rows > 0 && q.running < maxConcurrent && q.timer === undefined) {
      q.timer = setTimeout(() => {
        q.timer = undefined;
        if (q.rows > 0 && q.running < maxConcurrent) startRun(q);
      }, maxDelayMs);
    }
  }

  function startRun(q: ModelQueue): void {
    if (q.timer !== undefined) {
      clearTimeout(q.timer);
      q.timer = undefined;
    }
    // Take whole slices up to maxBatchSize; submit() already cut slices to at most maxBatchSize rows.
    const taken: Slice[] = [];
    let n = 0;
    while (q.slices.length > 0 && n + q.slices[0]!.n <= maxBatchSize) {
      const s = q.slices.shift()!;
      taken.push(s);
      n += s.n;
    }
    q.rows -= n;
    const buffer = taken.length === 1 ? taken[0]!.rows : new Float32Array(n * q.width);
    if (taken.length > 1) {
      let at = 0;
      for (const s of taken) {
        buffer.set(s.rows, at * q.width);
        at += s.n;
      }
    }
    q.running++;
    const started = performance.now();
    const run = scorer(q.model, buffer, n).then(
      (scores) => {
        opts.onRun?.(q.model, n, (performance.now() - started) / 1000);
        let at = 0;
        for (const s of taken) {
          s.out.set(scores.subarray(at, at + s.n), s.at);
          at += s.n;
          settle(s);
        }
      },
      (err: unknown) => {
        opts.onRun?.(q.model, n, (performance.now() - started) / 1000, err);
        for (const s of taken) {
          s.done.failed = true;
          s.done.reject(err);
          settle(s);
        }
      },
    );
    const tracked = run.finally(() => {
      running.delete(tracked);
      pending -= n;
      q.running--;
      // Rows that queued behind this run have waited long enough: run them now, as Triton does.
      if (q.rows > 0 && q.running < maxConcurrent) startRun(q);
      schedule(q);
    });
    running.add(tracked);
  }

  function settle(s: Slice): void {
    s.done.remaining--;
    if (s.done.remaining === 0 && !s.done.failed) s.done.resolve(s.done.out);
  }

  const drain = closeOnce(async () => {
    closing = true;
    for (const q of queues.values()) schedule(q);
    while (running.size > 0) await Promise.allSettled([...running]);
  });

  return {
    score(model, rows, n) {
      if (closing) return Promise.reject(inferenceErrors.create('TW_INFER_BATCHER_CLOSED', 'the batcher is closed'));
      const width = model.featureNames.length;
      if (!Number.isInteger(n) || n < 0 || n * width > rows.length) {
        return Promise.reject(
          inferenceErrors.create('TW_INFER_BAD_REQUEST', `cannot score ${n} rows of ${width} features from ${rows.length} floats`),
        );
      }
      if (n === 0) return Promise.resolve(new Float32Array(0));
      const q = queueOf(model);
      return new Promise<Float32Array>((resolve, reject) => {
        const out = new Float32Array(n);
        const done = { remaining: Math.ceil(n / maxBatchSize), failed: false, resolve, reject, out };
        for (let at = 0; at < n; at += maxBatchSize) {
          const len = Math.min(maxBatchSize, n - at);
          // A copy: the caller may refill its buffer while the rows wait, and ORT reads them in place.
          const copy = rows.slice(at * width, (at + len) * width);
          q.slices.push({ rows: copy, n: len, out, at, done });
          q.rows += len;
          pending += len;
        }
        schedule(q);
      });
    },
    pendingRows: () => pending,
    forget(model) {
      const q = queues.get(model);
      if (q && q.rows === 0 && q.running === 0) queues.delete(model);
    },
    close: drain,
  };
}
