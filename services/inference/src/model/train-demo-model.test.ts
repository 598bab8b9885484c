import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_MODEL_DIR, trainDemoModel } from '../../scripts/train-demo-model.js';
import { rocAuc } from '../../scripts/demo-model/metrics.js';

describe('trainDemoModel', () => {
  it('reproduces the committed model.onnx and manifest.json byte for byte', { timeout: 120_000 }, async () => {
    const artifacts = trainDemoModel();
    const onnx = await readFile(join(DEMO_MODEL_DIR, 'model.onnx'));
    const manifest = await readFile(join(DEMO_MODEL_DIR, 'manifest.json'), 'utf8');
    expect(Buffer.from(artifacts.modelBytes).equals(onnx)).toBe(true);
    expect(artifacts.manifestText).toBe(manifest);
    expect(onnx.length).toBeLessThan(4096);
  });
});

describe('rocAuc', () => {
  it('equals the share of positive-negative pairs ranked right, ties counting half', () => {
    const scores = [0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.05, 0.9, 0.35];
    const labels = [0, 0, 1, 1, 1, 0, 0, 1, 0];
    let pairs = 0;
    let right = 0;
    scores.forEach((p, i) =>
      scores.forEach((n, j) => {
        if (labels[i] !== 1 || labels[j] !== 0) return;
        pairs++;
        right += p > n ? 1 : p === n ? 0.5 : 0;
      }),
    );
    expect(rocAuc(scores, labels)).toBeCloseTo(right / pairs, 12);
  });
});
