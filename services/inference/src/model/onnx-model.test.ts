import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelManifest } from '@tidewater/model-manifest';
import { loadOnnxModel } from './onnx-model.js';
import type { LoadedModel } from './onnx-model.js';

const committedDir = fileURLToPath(new URL('../../../../models/fraud-demo/1/', import.meta.url));

const lowRisk = {
  amount: 24.5,
  log_amount: Math.log1p(24.5),
  hour_of_day: 14,
  is_ecom: 0,
  is_night: 0,
  txn_count_1h: 1,
  amount_sum_1h: 24.5,
  amount_ratio_1h: 1,
};
const midRisk = {
  amount: 180,
  log_amount: Math.log1p(180),
  hour_of_day: 20,
  is_ecom: 1,
  is_night: 0,
  txn_count_1h: 2,
  amount_sum_1h: 220,
  amount_ratio_1h: 1.6,
};
const highRisk = {
  amount: 420,
  log_amount: Math.log1p(420),
  hour_of_day: 3,
  is_ecom: 1,
  is_night: 1,
  txn_count_1h: 5,
  amount_sum_1h: 1400,
  amount_ratio_1h: 1.5,
};

// The logistic regression the manifest documents, in float64, on the float32 row the model sees.
function scoreByHand(manifest: ModelManifest, row: Float32Array): number {
  const c = manifest.training.coefficients;
  if (!c) throw new Error('manifest has no coefficients');
  let logit = c.bias;
  row.forEach((x, j) => (logit += (c.weights[j] as number) * ((x - (c.mean[j] as number)) / (c.std[j] as number))));
  return 1 / (1 + Math.exp(-logit));
}

describe('loadOnnxModel on the committed demo model', () => {
  let model: LoadedModel;
  beforeAll(async () => {
    model = await loadOnnxModel(committedDir);
  });
  afterAll(() => model.close());

  it('exposes the manifest and the feature order of the contract', () => {
    expect(model.manifest.name).toBe('fraud-demo');
    expect(model.featureNames).toEqual([
      'amount',
      'log_amount',
      'hour_of_day',
      'is_ecom',
      'is_night',
      'txn_count_1h',
      'amount_sum_1h',
      'amount_ratio_1h',
    ]);
  });

  it('scores a batch in one run exactly as the documented logistic regression', async () => {
    const width = model.featureNames.length;
    const n = 200;
    const rows = new Float32Array(n * width);
    for (let i = 0; i < n; i++) {
      const amount = 1 + ((i * 37) % 900);
      const count = 1 + (i % 6);
      const hour = (i * 7) % 24;
      model.toRow(
        {
          amount,
          log_amount: Math.log1p(amount),
          hour_of_day: hour,
          is_ecom: i % 3 === 0,
          is_night: hour < 6 ? 1 : 0,
          txn_count_1h: count,
          amount_sum_1h: amount * count * 0.8,
          amount_ratio_1h: 1 / 0.8,
        },
        rows,
        i * width,
      );
    }
    const scores = await model.score(rows, n);
    expect(scores).toHaveLength(n);
    for (let i = 0; i < n; i++) {
      const expected = scoreByHand(model.manifest, rows.subarray(i * width, (i + 1) * width));
      expect(Math.abs((scores[i] as number) - expected)).toBeLessThanOrEqual(1e-5);
    }
  });

  it('ranks high-risk above mid-risk above low-risk payments, around the threshold', async () => {
    const width = model.featureNames.length;
    const rows = new Float32Array(3 * width);
    [lowRisk, midRisk, highRisk].forEach((f, i) => model.toRow(f, rows, i * width));
    const [low, mid, high] = await model.score(rows, 3);
    expect(high).toBeGreaterThan(mid as number);
    expect(mid).toBeGreaterThan(low as number);
    expect(high).toBeGreaterThanOrEqual(model.manifest.outputs.threshold);
    expect(low).toBeLessThan(model.manifest.outputs.threshold);
  });

  it('scores only the first n rows of a larger buffer, and an empty batch without running', async () => {
    const width = model.featureNames.length;
    const rows = new Float32Array(10 * width);
    model.toRow(highRisk, rows, 0);
    const [one, ...rest] = await model.score(rows, 1);
    expect(rest).toEqual([]);
    expect(one).toBeCloseTo(scoreByHand(model.manifest, rows.subarray(0, width)), 5);
    expect(await model.score(rows, 0)).toHaveLength(0);
  });

  it('refuses a batch larger than its buffer and a row that does not fit', async () => {
    const width = model.featureNames.length;
    await expect(model.score(new Float32Array(width * 2), 3)).rejects.toMatchObject({ code: 'TW_MODEL_BAD_BATCH' });
    await expect(model.score(new Float32Array(width), 0.5)).rejects.toMatchObject({ code: 'TW_MODEL_BAD_BATCH' });
    expect(() => model.toRow(lowRisk, new Float32Array(width * 2), width + 1)).toThrow(
      expect.objectContaining({ code: 'TW_MODEL_BAD_BATCH' }),
    );
  });

  it('fills defaults through toRow with the manifest defaults', () => {
    const row = new Float32Array(model.featureNames.length);
    const { missing } = model.toRow({ amount: 12, is_ecom: null, hour_of_day: 'n/a' }, row, 0);
    expect(missing).toBe(7);
    expect(row[0]).toBe(12);
    model.manifest.inputs.features.slice(1).forEach((f, i) => expect(row[i + 1]).toBe(Math.fround(f.default)));
  });
});

describe('loadOnnxModel failures', () => {
  let root: string;
  let cases = 0;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tw-model-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  // A copy of the committed model whose manifest (and optionally model file) a test changes.
  async function modelDir(change: {
    manifest?: (m: ModelManifest) => unknown;
    manifestText?: string;
    modelBytes?: Uint8Array;
  }): Promise<string> {
    const dir = join(root, `case-${++cases}`);
    await cp(committedDir, dir, { recursive: true });
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as ModelManifest;
    if (change.modelBytes) {
      await writeFile(join(dir, manifest.file), change.modelBytes);
      manifest.sha256 = createHash('sha256').update(change.modelBytes).digest('hex');
    }
    const changed = change.manifest ? change.manifest(manifest) : manifest;
    await writeFile(join(dir, 'manifest.json'), change.manifestText ?? JSON.stringify(changed));
    return dir;
  }

  it('rejects a manifest naming another input tensor', async () => {
    const dir = await modelDir({ manifest: (m) => ({ ...m, inputs: { ...m.inputs, tensor: 'input' } }) });
    await expect(loadOnnxModel(dir)).rejects.toMatchObject({
      code: 'TW_MODEL_SIGNATURE_MISMATCH',
      message: expect.stringContaining('features'),
    });
  });

  it('rejects a manifest naming another output tensor', async () => {
    const dir = await modelDir({ manifest: (m) => ({ ...m, outputs: { ...m.outputs, tensor: 'probabilities' } }) });
    await expect(loadOnnxModel(dir)).rejects.toMatchObject({ code: 'TW_MODEL_SIGNATURE_MISMATCH' });
  });

  it('rejects a manifest with a different feature count than the graph', async () => {
    const dir = await modelDir({
      manifest: (m) => {
        const { coefficients: _dropped, ...training } = m.training;
        return { ...m, training, inputs: { ...m.inputs, features: m.inputs.features.slice(0, 7) } };
      },
    });
    await expect(loadOnnxModel(dir)).rejects.toMatchObject({
      code: 'TW_MODEL_SIGNATURE_MISMATCH',
      message: expect.stringContaining('[batch, 7]'),
    });
  });

  it('rejects a corrupt model file even when its checksum matches', async () => {
    const dir = await modelDir({ modelBytes: new TextEncoder().encode('this is not an onnx protobuf') });
    await expect(loadOnnxModel(dir)).rejects.toMatchObject({
      code: 'TW_MODEL_LOAD_FAILED',
      message: expect.stringContaining('ONNX Runtime'),
    });
  });

  it('rejects a model file that does not match the manifest checksum', async () => {
    const dir = await modelDir({ manifest: (m) => ({ ...m, sha256: '0'.repeat(64) }) });
    await expect(loadOnnxModel(dir)).rejects.toMatchObject({ code: 'TW_MODEL_LOAD_FAILED', message: expect.stringContaining('sha256') });
  });

  it('rejects a manifest that fails the schema, listing the problems', async () => {
    const dir = await modelDir({ manifest: (m) => ({ ...m, format: 'pmml', outputs: { ...m.outputs, threshold: 2 } }) });
    const err = await loadOnnxModel(dir).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TW_MANIFEST_INVALID', retriable: false });
    expect((err as Error).message).toMatch(/format/);
    expect((err as Error).message).toMatch(/threshold/);
  });

  it('rejects a manifest that is not JSON, and a directory without one', async () => {
    await expect(loadOnnxModel(await modelDir({ manifestText: '{ "name": ' }))).rejects.toMatchObject({
      code: 'TW_MANIFEST_INVALID',
    });
    await expect(loadOnnxModel(join(root, 'no-such-model'))).rejects.toMatchObject({ code: 'TW_MODEL_LOAD_FAILED' });
  });
});

describe('loadOnnxModel session options', () => {
  // Spinning itself is not observable here: this shows ORT takes the config entries (the binding
  // refuses a malformed `extra`) and that the switch does not change scores.
  it('opens a session with allowSpinning on and off, scoring the same as the ORT default', async () => {
    const rows = new Float32Array(8 * 2);
    const scores: number[][] = [];
    for (const allowSpinning of [false, true, undefined]) {
      const m = await loadOnnxModel(committedDir, { intraOpNumThreads: 2, interOpNumThreads: 1, allowSpinning });
      m.toRow(highRisk, rows, 0);
      m.toRow(midRisk, rows, 8);
      scores.push(Array.from(await m.score(rows, 2)));
      await m.close();
    }
    expect(scores[0]).toEqual(scores[2]);
    expect(scores[1]).toEqual(scores[2]);
  });
});

describe('LoadedModel.close', () => {
  it('is idempotent, waits for a batch in flight and refuses later batches', async () => {
    const model = await loadOnnxModel(committedDir, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const rows = new Float32Array(model.featureNames.length * 4);
    for (let i = 0; i < 4; i++) model.toRow(midRisk, rows, i * model.featureNames.length);
    const inFlight = model.score(rows, 4);
    const first = model.close();
    expect(model.close()).toBe(first);
    await expect(model.score(rows, 4)).rejects.toMatchObject({ code: 'TW_MODEL_CLOSED' });
    expect(await inFlight).toHaveLength(4);
    await first;
  });
});
