import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { TidewaterError } from '@tidewater/errors';
import { loadOnnxModel, type LoadedModel } from '../model/index.js';
import { buildTestOnnx, logitOf, writeTestModel } from '../../test/onnx-test-models.js';
import { createScoringPool, type ScoringPool } from './scoring-pool.js';

const logger = pino({ level: 'silent' });
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(): Promise<{ root: string; pool: ScoringPool }> {
  const root = await mkdtemp(join(tmpdir(), 'tw-scoring-pool-'));
  const pool = createScoringPool({ size: 1, modelDir: (m) => m.dir, logger });
  cleanups.push(
    () => rm(root, { recursive: true, force: true }),
    () => pool.close(),
  );
  return { root, pool };
}

async function load(dir: string): Promise<LoadedModel> {
  const model = await loadOnnxModel(dir);
  cleanups.push(() => model.close());
  return model;
}

describe('scoring pool', () => {
  it('scores on a thread with the same results as the main thread', async () => {
    const { root, pool } = await setup();
    const model = await load(await writeTestModel(root, 'm', '1', buildTestOnnx({ bias: logitOf(0.25) })));
    const rows = new Float32Array(3 * model.featureNames.length).fill(1);
    const scores = await pool.score(model, rows, 3);
    expect([...scores].map((s) => s.toFixed(4))).toEqual(['0.2500', '0.2500', '0.2500']);
    // The caller's buffer is copied, not transferred away.
    expect(rows.length).toBe(3 * model.featureNames.length);
  }, 30_000);

  it('refuses, retriably, to score with files replaced in place since the main thread loaded them', async () => {
    const { root, pool } = await setup();
    const dir = await writeTestModel(root, 'm', '1', buildTestOnnx({ bias: logitOf(0.25) }));
    const loadedAsA = await load(dir);
    // Same directory, a different model (B), before the thread ever opened the version.
    await writeTestModel(root, 'm', '1', buildTestOnnx({ bias: logitOf(0.75) }));
    const rows = new Float32Array(loadedAsA.featureNames.length);
    const err = await pool.score(loadedAsA, rows, 1).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TidewaterError);
    expect((err as TidewaterError).code).toBe('TW_MODEL_NOT_LOADED');
    expect((err as TidewaterError).retriable).toBe(true);

    // Once the repository loads the new files, the thread scores with them (the mismatch was not cached).
    const loadedAsB = await load(dir);
    expect([...(await pool.score(loadedAsB, rows, 1))].map((s) => s.toFixed(4))).toEqual(['0.7500']);
  }, 30_000);
});
