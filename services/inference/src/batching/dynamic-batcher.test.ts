import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '@tidewater/schemas';
import { loadOnnxModel, type LoadedModel } from '../model/index.js';
import { createDynamicBatcher, type Scorer } from './dynamic-batcher.js';

const width = 8;

function rowsOf(values: number[]): Float32Array {
  // Row i holds values[i] in every column; the recording scorer below returns column 0.
  const rows = new Float32Array(values.length * width);
  values.forEach((v, i) => rows.fill(v, i * width, (i + 1) * width));
  return rows;
}

/** A scorer that returns each row's first column and records every run's size. */
function recordingScorer(): { scorer: Scorer; runs: number[] } {
  const runs: number[] = [];
  return {
    runs,
    scorer: async (model, rows, n) => {
      runs.push(n);
      const w = model.featureNames.length;
      return Float32Array.from({ length: n }, (_, i) => rows[i * w]!);
    },
  };
}

/** recordingScorer whose runs wait for `finish()`; `running` resolves when the first run starts. */
function heldScorer(): { scorer: Scorer; runs: number[]; running: Promise<void>; finish: () => void } {
  const { scorer: record, runs } = recordingScorer();
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  return {
    runs,
    running,
    finish,
    scorer: async (model, rows, n) => {
      started();
      await finished;
      return record(model, rows, n);
    },
  };
}

describe('dynamic batcher', () => {
  let model: LoadedModel;
  beforeAll(async () => {
    model = await loadOnnxModel(`${repoRoot}models/fraud-demo/1`);
  });
  afterAll(async () => {
    await model.close();
  });

  it('merges concurrent requests into one run and gives each caller its own scores in order', async () => {
    const { scorer, runs } = recordingScorer();
    const batcher = createDynamicBatcher({ maxBatchSize: 64, maxDelayMs: 20, scorer });
    const [a, b, c] = await Promise.all([
      batcher.score(model, rowsOf([1, 2, 3]), 3),
      batcher.score(model, rowsOf([4, 5]), 2),
      batcher.score(model, rowsOf([6]), 1),
    ]);
    expect(runs).toEqual([6]);
    expect([...a]).toEqual([1, 2, 3]);
    expect([...b]).toEqual([4, 5]);
    expect([...c]).toEqual([6]);
  });

  it('never runs more than maxBatchSize rows, splitting a large request and keeping its order', async () => {
    const { scorer, runs } = recordingScorer();
    const batcher = createDynamicBatcher({ maxBatchSize: 4, maxDelayMs: 1, scorer });
    const values = Array.from({ length: 10 }, (_, i) => i);
    const out = await batcher.score(model, rowsOf(values), 10);
    expect([...out]).toEqual(values);
    expect(Math.max(...runs)).toBeLessThanOrEqual(4);
    expect(runs.reduce((s, n) => s + n, 0)).toBe(10);
  });

  it('runs a full batch at once without waiting for the delay', async () => {
    const { scorer, runs } = recordingScorer();
    const batcher = createDynamicBatcher({ maxBatchSize: 4, maxDelayMs: 10_000, scorer });
    const started = performance.now();
    await batcher.score(model, rowsOf([1, 2, 3, 4]), 4);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(runs).toEqual([4]);
  });

  it('runs a partial batch after maxDelayMs', async () => {
    const { scorer, runs } = recordingScorer();
    const batcher = createDynamicBatcher({ maxBatchSize: 100, maxDelayMs: 30, scorer });
    const started = performance.now();
    await batcher.score(model, rowsOf([1]), 1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    expect(runs).toEqual([1]);
  });

  it('queues rows behind a running batch and runs them together when it finishes', async () => {
    const { scorer, runs, running, finish } = heldScorer();
    const batcher = createDynamicBatcher({ maxBatchSize: 100, maxDelayMs: 0, scorer });
    const first = batcher.score(model, rowsOf([1]), 1);
    await running;
    const rest = [2, 3, 4].map((v) => batcher.score(model, rowsOf([v]), 1));
    finish();
    await Promise.all([first, ...rest]);
    expect(runs).toEqual([1, 3]);
  });

  it('copies rows at submit, so the caller may reuse its buffer at once', async () => {
    const { scorer } = recordingScorer();
    const batcher = createDynamicBatcher({ maxBatchSize: 100, maxDelayMs: 5, scorer });
    const buffer = rowsOf([7]);
    const pending = batcher.score(model, buffer, 1);
    buffer.fill(99);
    expect([...(await pending)]).toEqual([7]);
  });

  it('rejects every caller of a failed run and keeps serving others', async () => {
    let fail = true;
    const batcher = createDynamicBatcher({
      maxBatchSize: 10,
      maxDelayMs: 1,
      scorer: async (_m, _rows, n) => {
        if (fail) throw new Error('boom');
        return new Float32Array(n);
      },
    });
    await expect(Promise.all([batcher.score(model, rowsOf([1]), 1), batcher.score(model, rowsOf([2]), 1)])).rejects.toThrow('boom');
    fail = false;
    expect((await batcher.score(model, rowsOf([3]), 1)).length).toBe(1);
  });

  it('scores with the real model exactly as one direct run does', async () => {
    const batcher = createDynamicBatcher({ maxBatchSize: 16, maxDelayMs: 1 });
    const rows = new Float32Array(40 * width).map((_, i) => (i % 13) / 2);
    const batched = await Promise.all([
      batcher.score(model, rows.subarray(0, 25 * width), 25),
      batcher.score(model, rows.subarray(25 * width), 15),
    ]);
    const direct = await model.score(rows, 40);
    expect([...batched[0], ...batched[1]]).toEqual([...direct]);
  });

  it('refuses bad requests and work after close, after finishing what was queued', async () => {
    const { scorer } = recordingScorer();
    const batcher = createDynamicBatcher({ maxBatchSize: 10, maxDelayMs: 10_000, scorer });
    await expect(batcher.score(model, new Float32Array(4), 1)).rejects.toMatchObject({ code: 'TW_INFER_BAD_REQUEST' });
    const queued = batcher.score(model, rowsOf([5]), 1);
    await batcher.close();
    expect([...(await queued)]).toEqual([5]);
    await expect(batcher.score(model, rowsOf([1]), 1)).rejects.toMatchObject({ code: 'TW_INFER_BATCHER_CLOSED' });
    expect(() => createDynamicBatcher({ maxBatchSize: 0, maxDelayMs: 1 })).toThrow(/maxBatchSize/);
  });
});
