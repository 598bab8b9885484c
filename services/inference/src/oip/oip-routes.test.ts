import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { createLogger } from '@tidewater/logging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelErrors } from '../model/errors.js';
import type { LoadedModel } from '../model/index.js';
import { buildTestOnnx, COMMITTED_MODEL_DIR, logitOf, writeTestModel } from '../../test/onnx-test-models.js';
import { ModelRepository } from '../repository/index.js';
import { registerOipRoutes, type ScoreFn } from './oip-routes.js';

const logger = createLogger({ service: 'inference-test', level: 'silent' });
const FEATURES = ['amount', 'log_amount', 'hour_of_day', 'is_ecom', 'is_night', 'txn_count_1h', 'amount_sum_1h', 'amount_ratio_1h'];
// Two payments: a coffee in the afternoon and a night-time online burst.
const rowsOf = [
  [4.5, Math.log1p(4.5), 15, 0, 0, 1, 4.5, 1],
  [620, Math.log1p(620), 3, 1, 1, 5, 1800, 1.7],
];

let root: string;
let repo: ModelRepository;
let app: FastifyInstance;
let scoreCalls: { version: string; n: number }[] = [];
let scoreImpl: ScoreFn = (model, rows, n) => model.score(rows, n);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tw-oip-'));
  await cp(COMMITTED_MODEL_DIR, join(root, 'fraud-demo', '1'), { recursive: true });
  await writeTestModel(root, 'fraud-demo', '2', buildTestOnnx({ bias: logitOf(0.2) }));
  repo = new ModelRepository({ root, logger, pollIntervalMs: 0 });
  await repo.open();
  app = Fastify({ logger: false });
  registerOipRoutes(app, {
    router: repo,
    versions: (name) => repo.versions(name),
    ready: () => repo.isReady(),
    score: (model, rows, n) => {
      scoreCalls.push({ version: model.manifest.version, n });
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

async function infer(url: string, body: unknown) {
  const res = await app.inject({ method: 'POST', url, payload: body as object });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> };
}

const tensorRequest = (data: unknown = rowsOf.flat(), shape = [2, 8], datatype = 'FP32') => ({
  id: 'req-1',
  inputs: [{ name: 'features', shape, datatype, data }],
});

async function expectedScores(version: string): Promise<number[]> {
  const lease = repo.acquireVersion('fraud-demo', version);
  if (!lease) throw new Error(`version ${version} not loaded`);
  try {
    return Array.from(await (lease.serving as LoadedModel).score(Float32Array.from(rowsOf.flat()), 2));
  } finally {
    lease.release();
  }
}

describe('OIP health and metadata', () => {
  it('answers server live, ready and metadata', async () => {
    expect((await app.inject('/v2/health/live')).json()).toEqual({ live: true });
    const ready = await app.inject('/v2/health/ready');
    expect([ready.statusCode, ready.json()]).toEqual([200, { ready: true }]);
    for (const url of ['/v2', '/v2/'])
      expect((await app.inject(url)).json()).toEqual({ name: 'tidewater-inference', version: '0.1.0', extensions: [] });
  });

  it('describes a model: loaded versions, FP32 [-1, 8] input, score and label outputs', async () => {
    for (const url of ['/v2/models/fraud-demo', '/v2/models/fraud-demo/versions/1']) {
      const res = await app.inject(url);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        name: 'fraud-demo',
        versions: ['1', '2'],
        platform: 'onnxruntime_onnx',
        inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 8] }],
        outputs: [
          { name: 'score', datatype: 'FP32', shape: [-1, 1] },
          { name: 'label', datatype: 'BOOL', shape: [-1, 1] },
        ],
      });
    }
    expect((await app.inject('/v2/models/fraud-demo')).json()).toMatchObject({ parameters: { version: '2' } });
  });

  it('reports model readiness, 404 with an error body for unknown models and versions', async () => {
    expect((await app.inject('/v2/models/fraud-demo/ready')).json()).toEqual({ name: 'fraud-demo', ready: true });
    expect((await app.inject('/v2/models/fraud-demo/versions/1/ready')).statusCode).toBe(200);
    for (const url of [
      '/v2/models/nope',
      '/v2/models/nope/ready',
      '/v2/models/fraud-demo/versions/9',
      '/v2/models/fraud-demo/versions/9/ready',
    ]) {
      const res = await app.inject(url);
      expect(res.statusCode).toBe(404);
      expect(Object.keys(res.json())).toEqual(['error']);
      expect(res.json().error).toMatch(/not loaded/);
    }
  });
});

describe('OIP inference', () => {
  it('scores one [n, 8] FP32 tensor on a given version exactly as the model, with labels by its threshold', async () => {
    scoreCalls = [];
    const { status, body } = await infer('/v2/models/fraud-demo/versions/1/infer', tensorRequest());
    expect(status).toBe(200);
    const scores = await expectedScores('1');
    expect(body).toEqual({
      model_name: 'fraud-demo',
      model_version: '1',
      id: 'req-1',
      outputs: [
        { name: 'score', datatype: 'FP32', shape: [2, 1], data: scores },
        { name: 'label', datatype: 'BOOL', shape: [2, 1], data: scores.map((s) => s >= 0.16) },
      ],
    });
    expect(body.outputs).toMatchObject([{}, { data: [false, true] }]);
    expect(scoreCalls).toEqual([{ version: '1', n: 2 }]);
  });

  it('takes one tensor per feature (numeric or BOOL, [n] or [n, 1]) and nested data, to the same scores', async () => {
    const perFeature = {
      inputs: FEATURES.map((name, j) =>
        name === 'is_ecom'
          ? { name, shape: [2], datatype: 'BOOL', data: rowsOf.map((r) => r[j] === 1) }
          : { name, shape: [2, 1], datatype: name === 'hour_of_day' ? 'INT64' : 'FP32', data: rowsOf.map((r) => [r[j]]) },
      ),
      outputs: [{ name: 'score' }],
    };
    const a = await infer('/v2/models/fraud-demo/versions/1/infer', perFeature);
    expect(a.status).toBe(200);
    expect(a.body.outputs).toEqual([{ name: 'score', datatype: 'FP32', shape: [2, 1], data: await expectedScores('1') }]);
    const nested = await infer('/v2/models/fraud-demo/versions/1/infer', tensorRequest(rowsOf));
    expect(nested.body.outputs).toEqual((await infer('/v2/models/fraud-demo/versions/1/infer', tensorRequest())).body.outputs);
  });

  it('scores on the primary without a version, and returns only the outputs asked for', async () => {
    const { status, body } = await infer('/v2/models/fraud-demo/infer', { ...tensorRequest(), outputs: [{ name: 'label' }] });
    expect(status).toBe(200);
    expect(body).toMatchObject({ model_version: '2', outputs: [{ name: 'label', datatype: 'BOOL', shape: [2, 1], data: [true, true] }] });
    expect(body.outputs).toHaveLength(1);
  });

  it('routes by the traffic policy when the request names an entity_key and no version', async () => {
    try {
      await repo.setPolicy('fraud-demo', { primary: '1', canary: { version: '2', percent: 100 } });
      const keyed = { ...tensorRequest(), parameters: { entity_key: 'card-7' } };
      expect((await infer('/v2/models/fraud-demo/infer', keyed)).body.model_version).toBe('2');
      expect((await infer('/v2/models/fraud-demo/infer', tensorRequest())).body.model_version).toBe('1');
      expect((await infer('/v2/models/fraud-demo/versions/1/infer', keyed)).body.model_version).toBe('1');
      expect((await infer('/v2/models/nope/infer', keyed)).status).toBe(404);
      expect(await infer('/v2/models/fraud-demo/infer', { ...tensorRequest(), parameters: { entity_key: 7 } })).toEqual({
        status: 400,
        body: { error: 'parameters.entity_key must be a string' },
      });
    } finally {
      await repo.setPolicy('fraud-demo', undefined);
    }
  });

  const badRequests: [string, unknown, RegExp][] = [
    ['an FP64 tensor', tensorRequest(undefined, [2, 8], 'FP64'), /datatype FP64/],
    ['a [2, 7] tensor', tensorRequest(rowsOf.flat().slice(0, 14), [2, 7]), /shape \[2, 7\]/],
    ['data shorter than the shape', tensorRequest(rowsOf.flat().slice(1)), /15 values/],
    ['a string in FP32 data', tensorRequest(['x', ...rowsOf.flat().slice(1)]), /holds "x"/],
    ['an unknown input name', { inputs: [{ name: 'input', shape: [1, 8], datatype: 'FP32', data: rowsOf[0] }] }, /unknown inputs: input/],
    [
      'a missing feature',
      { inputs: FEATURES.slice(1).map((name) => ({ name, shape: [1], datatype: 'FP32', data: [1] })) },
      /missing features: amount/,
    ],
    [
      'feature tensors of different lengths',
      { inputs: FEATURES.map((name, j) => ({ name, shape: [j === 3 ? 2 : 1], datatype: 'FP32', data: j === 3 ? [1, 2] : [1] })) },
      /same n/,
    ],
    ['an unknown output', { ...tensorRequest(), outputs: [{ name: 'probabilities' }] }, /unknown output probabilities/],
    ['no inputs', { inputs: [] }, /inputs/],
    ['data nested deeper than the shape', tensorRequest(rowsOf.map((r) => r.map((v) => [v]))), /nested deeper than its shape/],
    [
      'a fraction in an INT64 feature',
      { inputs: FEATURES.map((name) => ({ name, shape: [1], datatype: name === 'hour_of_day' ? 'INT64' : 'FP32', data: [1.5] })) },
      /hour_of_day of datatype INT64 holds 1.5/,
    ],
    [
      'a negative UINT8 feature',
      { inputs: FEATURES.map((name) => ({ name, shape: [1], datatype: name === 'is_ecom' ? 'UINT8' : 'FP32', data: [-1] })) },
      /is_ecom of datatype UINT8 holds -1/,
    ],
    ['inputs without a datatype', { inputs: [{ name: 'features', shape: [1, 8], data: rowsOf[0] }] }, /datatype/],
  ];

  it.each(badRequests)('answers 400 with an OIP error body for %s', async (_case, body, message) => {
    scoreCalls = [];
    const res = await infer('/v2/models/fraud-demo/versions/1/infer', body);
    expect(res.status).toBe(400);
    expect(Object.keys(res.body)).toEqual(['error']);
    expect(res.body.error).toMatch(message);
    expect(scoreCalls).toEqual([]);
  });

  it('answers 400 to a body that is not JSON and 404 to an unknown model or version', async () => {
    const notJson = await app.inject({
      method: 'POST',
      url: '/v2/models/fraud-demo/infer',
      headers: { 'content-type': 'application/json' },
      payload: '{"inputs": [',
    });
    expect(notJson.statusCode).toBe(400);
    expect(Object.keys(notJson.json())).toEqual(['error']);
    expect((await infer('/v2/models/nope/infer', tensorRequest())).status).toBe(404);
    // Unknown paths and methods under /v2 also answer with the protocol's error body: 405 with Allow for a
    // known path (issue 20), 404 otherwise, neither quoting the path.
    for (const [method, url, status, allow] of [
      ['GET', '/v2/models/fraud-demo/infer', 405, 'POST'],
      ['DELETE', '/v2/models/fraud-demo', 405, 'GET, HEAD'],
      ['POST', '/v2/health/live', 405, 'GET, HEAD'],
      ['QUERY', '/v2/models/fraud-demo/ready', 405, 'GET, HEAD'],
      ['GET', '/v2/models/fraud-demo/explain', 404, undefined],
    ] as const) {
      const res = await app.inject({ method, url });
      expect([res.statusCode, res.headers['allow'], Object.keys(res.json())]).toEqual([status, allow, ['error']]);
      expect(res.body).not.toContain('fraud-demo');
    }
    expect((await infer('/v2/models/fraud-demo/versions/9/infer', tensorRequest())).body).toEqual({
      error: 'model fraud-demo version 9 is not loaded',
    });
  });

  it('routes by the longest entity_key ingestion accepts, and refuses one outside the id contract', async () => {
    for (const key of ['€'.repeat(128), '😀'.repeat(64)]) {
      const res = await infer('/v2/models/fraud-demo/infer', { ...tensorRequest(), parameters: { entity_key: key } });
      expect(res.status).toBe(200);
    }
    for (const [key, message] of [
      ['x'.repeat(129), 'parameters.entity_key must be at most 128 characters, got 129'],
      ['card-\ud800', 'parameters.entity_key must be well-formed Unicode (it holds a lone UTF-16 surrogate)'],
      ['', 'parameters.entity_key must not be empty or blank'],
    ]) {
      const res = await infer('/v2/models/fraud-demo/infer', { ...tensorRequest(), parameters: { entity_key: key } });
      expect(res).toEqual({ status: 400, body: { error: message } });
    }
  });

  it('answers 503 when scoring fails retriably and 500 otherwise', async () => {
    try {
      scoreImpl = () => Promise.reject(modelErrors.create('TW_MODEL_NOT_LOADED', 'batcher is draining'));
      expect(await infer('/v2/models/fraud-demo/infer', tensorRequest())).toEqual({ status: 503, body: { error: 'batcher is draining' } });
      scoreImpl = () => Promise.reject(modelErrors.create('TW_MODEL_SCORE_FAILED', 'ORT failed'));
      expect(await infer('/v2/models/fraud-demo/infer', tensorRequest())).toEqual({ status: 500, body: { error: 'ORT failed' } });
    } finally {
      scoreImpl = (model, rows, n) => model.score(rows, n);
    }
  });

  it('finishes a request on a version unloaded while it is scoring, and the version closes after it', async () => {
    let unblock: () => void = () => undefined;
    const gate = new Promise<void>((r) => (unblock = r));
    let scored: LoadedModel | undefined;
    scoreImpl = async (model, rows, n) => {
      scored = model;
      await gate;
      return model.score(rows, n);
    };
    try {
      const pending = infer('/v2/models/fraud-demo/versions/1/infer', tensorRequest());
      while (!scored) await new Promise((r) => setImmediate(r));
      await repo.unloadVersion('fraud-demo', '1');
      unblock();
      const res = await pending;
      expect(res.status).toBe(200);
      expect(res.body.model_version).toBe('1');
      // The session closes once the request's lease is released, just after the response.
      const model = scored;
      const scoreOutcome = () =>
        model.score(Float32Array.from(rowsOf.flat()), 2).then(
          () => 'scored',
          (err: unknown) => (err as { code?: string }).code,
        );
      await expect.poll(scoreOutcome, { timeout: 5000 }).toBe('TW_MODEL_CLOSED');
      expect((await infer('/v2/models/fraud-demo/versions/1/infer', tensorRequest())).status).toBe(404);
    } finally {
      scoreImpl = (model, rows, n) => model.score(rows, n);
    }
  });

  it('reports the server not ready (503) once no version is loaded', async () => {
    await repo.unloadVersion('fraud-demo', '2');
    const res = await app.inject('/v2/health/ready');
    expect([res.statusCode, res.json()]).toEqual([
      503,
      { error: 'server is not ready: no model version is loaded, or it is shutting down' },
    ]);
  });

  it('answers 503 once the repository is closing at shutdown', async () => {
    await repo.close();
    expect(await infer('/v2/models/fraud-demo/infer', tensorRequest())).toEqual({
      status: 503,
      body: { error: 'the model repository is closed' },
    });
  });
});
