import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { createLogger } from '@tidewater/logging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMITTED_MODEL_DIR } from '../../test/onnx-test-models.js';
import { ModelRepository } from '../repository/index.js';
import { registerOipRoutes, type ScoreFn } from './oip-routes.js';

// Issue 20, part 1: OIP requests with 1e39 (beyond FP32) or 1e309 (Infinity once parsed) in a tensor
// were scored a silent 0. Now they are refused with 400, and a model output that is not a score
// is never answered as one.
const logger = createLogger({ service: 'inference-test', level: 'silent' });
const FEATURES = ['amount', 'log_amount', 'hour_of_day', 'is_ecom', 'is_night', 'txn_count_1h', 'amount_sum_1h', 'amount_ratio_1h'];
const coffee = [4.5, Math.log1p(4.5), 15, 0, 0, 1, 4.5, 1];

let root: string;
let repo: ModelRepository;
let app: FastifyInstance;
let scored = 0;
let scoreImpl: ScoreFn = (model, rows, n) => model.score(rows, n);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tw-oip-finite-'));
  await cp(COMMITTED_MODEL_DIR, join(root, 'fraud-demo', '1'), { recursive: true });
  repo = new ModelRepository({ root, logger, pollIntervalMs: 0 });
  await repo.open();
  app = Fastify({ logger: false });
  registerOipRoutes(app, {
    router: repo,
    versions: (name) => repo.versions(name),
    ready: () => repo.isReady(),
    score: (model, rows, n) => {
      scored++;
      return scoreImpl(model, rows, n);
    },
  });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await repo.close();
  await rm(root, { recursive: true, force: true });
});

async function inferText(payload: string) {
  const res = await app.inject({
    method: 'POST',
    url: '/v2/models/fraud-demo/versions/1/infer',
    headers: { 'content-type': 'application/json' },
    payload,
  });
  return { status: res.statusCode, body: res.json() as { error?: string; outputs?: { name: string; data: unknown[] }[] } };
}

/** One [1, 8] FP32 row with `literal` (JSON text, so 1e309 stays 1e309) in column `col`. */
const tensorWith = (literal: string, col = 0) =>
  `{"inputs":[{"name":"features","shape":[1,8],"datatype":"FP32","data":[${coffee.map((v, i) => (i === col ? literal : String(v))).join(',')}]}]}`;

describe('OIP inference with non-finite tensor values', () => {
  it.each([
    ['1e39, beyond FP32', tensorWith('1e39')],
    ['-1e39 in another column', tensorWith('-1e39', 6)],
    ['1e309, Infinity once parsed', tensorWith('1e309')],
    ['-1e309', tensorWith('-1e309', 2)],
    ['Number.MAX_VALUE', tensorWith(String(Number.MAX_VALUE), 6)],
    [
      '1e39 in an FP64 per-feature tensor',
      JSON.stringify({ inputs: FEATURES.map((name, i) => ({ name, shape: [1], datatype: 'FP64', data: [i === 0 ? 1e39 : coffee[i]] })) }),
    ],
  ])('answers 400 for %s and scores nothing', async (_case, payload) => {
    scored = 0;
    const res = await inferText(payload);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/not a finite FP32 value/);
    expect(scored).toBe(0);
  });

  it('scores the largest finite FP32 values, subnormals and -0 to scores in [0, 1]', async () => {
    for (const literal of ['3.4028234e38', '-3.4028234e38', '5e-324', '1e-45', '-0', '0']) {
      const res = await inferText(tensorWith(literal, 6));
      expect(res.status, literal).toBe(200);
      const score = res.body.outputs!.find((o) => o.name === 'score')!.data[0] as number;
      expect(score, literal).toBeGreaterThanOrEqual(0);
      expect(score, literal).toBeLessThanOrEqual(1);
    }
  });

  it('answers 500 with TW_MODEL_INVALID_SCORE, never a score, when the model answers NaN or Infinity', async () => {
    try {
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 1.5]) {
        scoreImpl = async () => Float32Array.of(bad);
        const res = await inferText(tensorWith('12'));
        expect(res.status).toBe(500);
        expect(res.body).toEqual({ error: expect.stringMatching(/returned .*, not a score in \[0, 1\]/) as unknown });
      }
    } finally {
      scoreImpl = (model, rows, n) => model.score(rows, n);
    }
  });
});
