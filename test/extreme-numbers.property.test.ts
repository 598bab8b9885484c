import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import fc from 'fast-check';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryWindowState } from '@tidewater/feature';
import { defaultFeatureSetPath, evaluateFeatures, loadFeatureSet } from '@tidewater/feature-set';
import {
  createIngestPath,
  createMemoryDedupe,
  createMemorySink,
  ingestionConfigSchema,
  ingestMetrics,
  validationPolicyOf,
} from '@tidewater/ingestion';
import { createRowWriter, loadOnnxModel, scoreRecords, type LoadedModel, type ModelLease } from '@tidewater/inference';
import type { ConsumedRecord } from '@tidewater/kafka';
import { repoRoot, type FeatureVector } from '@tidewater/schemas';

// Issue 20, part 1: random extreme numbers through the real processing functions of ingestion
// (the ingest path: parse, validate, dedupe, dead-letter), feature (window state through its codec,
// the card-fraud feature set) and inference (row writer, the committed ONNX model, score checks).
// Every event must end as a prediction with a finite score in [0, 1], or in a dead-letter topic with
// a code. Ingestion runs with its default bounds, and without any (as a misconfigured deployment, or
// data that predates them), so the guards of feature and inference are exercised on their own too;
// the model's manifest takes the default for a non-finite input, or dead-letters the record.
const logger = pino({ level: 'silent' });
const now = Date.UTC(2026, 11, 6, 12);
const featureSet = loadFeatureSet(defaultFeatureSetPath);
const bounded = validationPolicyOf(
  ingestionConfigSchema.parse({ KAFKA_BROKERS: 'unused:9092', SCHEMA_REGISTRY_URL: 'http://unused', REDIS_URL: 'redis://unused:6379' }),
);
const { amountLimits: _limits, maxPastSkewMs: _past, ...unbounded } = bounded;

let model: LoadedModel;
beforeAll(async () => {
  model = await loadOnnxModel(`${repoRoot}models/fraud-demo/1`);
});
afterAll(async () => {
  await model?.close();
});

interface RawEvent {
  readonly id: string;
  readonly card: string;
  /** The amount as JSON text, so 1e309 stays 1e309 (Infinity once parsed). */
  readonly amount: string;
  readonly currency: string;
  readonly occurredAt: string;
}

interface Outcome {
  readonly ingestCodes: Map<string, string>;
  readonly vectors: FeatureVector[];
  readonly scores: Map<string, { score: number; label: boolean }>;
  readonly inferenceCodes: Map<string, string>;
}

const text = (e: RawEvent) =>
  `{"event_id":"${e.id}","occurred_at":"${e.occurredAt}","card_id":"${e.card}","amount":${e.amount},"currency":"${e.currency}",` +
  `"merchant_id":"m-1","merchant_category":"5411","country":"DE","channel":"ecom"}`;

/** Ingestion, feature and inference in-process, in one batch each, as the services chain them over Kafka. */
async function pipeline(
  policy: typeof bounded | typeof unbounded,
  events: readonly RawEvent[],
  nonFinite: 'default' | 'dead-letter' = 'default',
): Promise<Outcome> {
  const sink = createMemorySink();
  const path = createIngestPath({
    policy,
    protect: (e) => e,
    dedupe: createMemoryDedupe({ windowMs: 86_400_000, pendingMs: 30_000, now: () => now }),
    sink,
    metrics: ingestMetrics(new Registry()),
    logger,
    now: () => now,
  });
  const results = await path.ingest(
    events.map((e, i) => ({
      value: Buffer.from(text(e)),
      key: Buffer.from(e.card),
      source: { kind: 'kafka', topic: 'events.raw', partition: 0, offset: String(i) },
      owner: `kafka:events.raw:0:${i}`,
    })),
    'kafka',
  );
  const ingestCodes = new Map<string, string>();
  results.forEach((r, i) => r.status === 'rejected' && ingestCodes.set(events[i]!.id, r.code));
  expect(sink.dlq.map((l) => l.error.code)).toEqual([...ingestCodes.values()]);

  const valid = sink.valid.map((v) => v.event);
  const states = await createMemoryWindowState(featureSet).applyBatch(valid);
  const vectors = valid.map((e, i): FeatureVector => ({
    event_id: e.event_id,
    entity_key: e.card_id,
    feature_set: featureSet.name,
    feature_set_version: featureSet.version,
    event_time: e.occurred_at,
    ingested_at: e.ingested_at,
    feature_time: now,
    late: states[i]!.late,
    features: evaluateFeatures(featureSet, e, states[i]!),
  }));

  const records = vectors.map((value, i): ConsumedRecord<FeatureVector> => ({
    topic: 'features',
    partition: 0,
    offset: String(i),
    key: null,
    value,
    headers: {},
    message: { key: null, value: null, timestamp: '0', offset: String(i), headers: {} },
    span: trace.wrapSpanContext({ traceId: '0'.repeat(31) + '1', spanId: '0'.repeat(15) + '1', traceFlags: 0 }),
    context: ROOT_CONTEXT,
  }));
  // The manifest's inputs.nonFinite decides whether a feature beyond float32 takes its default or dead-letters the record.
  const serving: LoadedModel =
    nonFinite === 'default'
      ? model
      : {
          ...model,
          manifest: { ...model.manifest, inputs: { ...model.manifest.inputs, nonFinite } },
          toRow: createRowWriter(model.manifest.inputs.features, nonFinite),
          score: (rows, n) => model.score(rows, n),
        };
  const lease: ModelLease = { serving, shadows: [], release: () => undefined };
  const scored = await scoreRecords(
    (m, rows, n) => m.score(rows, n),
    records,
    records.map(() => lease),
    () => now,
  );
  return {
    ingestCodes,
    vectors,
    scores: new Map(scored.serving.map((s) => [s.prediction.event_id, { score: s.prediction.score, label: s.prediction.label }])),
    inferenceCodes: new Map(scored.rejected.map((r) => [r.record.value.event_id, (r.error as { code?: string }).code ?? 'none'])),
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
// Numbers at the edges of float64 and float32: signed zeros, subnormals, the largest finite values,
// values whose sum or square overflows, values just past float32, and ones JSON parses to Infinity.
const extremeAmount = fc.oneof(
  fc
    .constantFrom(
      0,
      -0,
      5e-324,
      1e-310,
      2.2250738585072014e-308,
      1e-45,
      1e308,
      -1e308,
      Number.MAX_VALUE,
      1.7e308,
      1e200,
      1e154,
      1.5e154,
      3.4028235e38,
      3.5e38,
      1e39,
      1e15,
      1e9,
      1e9 + 0.01,
      2 ** 53 + 2,
    )
    .map((x) => (Object.is(x, -0) ? '-0' : String(x))),
  fc.constantFrom('1e309', '-1e309', '1e400', '-0.0', '0e0'),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.double({ min: 0, max: 5000, noNaN: true }).map(String),
);
const occurredAt = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 600 }).map((m) => iso(now - m * 60_000)) },
  { weight: 1, arbitrary: fc.constantFrom('0001-01-01T00:00:00Z', iso(now - 31 * 86_400_000), iso(now - 29 * 86_400_000)) },
);
const events = fc
  .array(
    fc.record({
      card: fc.constantFrom('card-a', 'card-b', 'card-c'),
      amount: extremeAmount,
      currency: fc.constantFrom('EUR', 'JPY'),
      occurredAt,
    }),
    { minLength: 1, maxLength: 25 },
  )
  .map((es) => es.map((e, i): RawEvent => ({ ...e, id: `e-${i}` })));

describe('extreme numbers through ingestion, feature and inference', () => {
  it('end every event as a finite prediction in [0, 1] or a dead letter with a code', async () => {
    const seen = { predicted: 0, ingestDlq: 0, inferenceDlq: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(bounded, unbounded),
        events,
        fc.constantFrom('default' as const, 'dead-letter' as const),
        async (policy, es, nonFinite) => {
          const out = await pipeline(policy, es, nonFinite);
          for (const v of out.vectors)
            for (const [name, value] of Object.entries(v.features))
              expect(typeof value !== 'number' || Number.isFinite(value), `${v.event_id} ${name}=${String(value)}`).toBe(true);
          for (const e of es) {
            const ends = [out.ingestCodes.has(e.id), out.inferenceCodes.has(e.id), out.scores.has(e.id)].filter(Boolean);
            expect(ends, `${e.id} ends once`).toHaveLength(1);
            const p = out.scores.get(e.id);
            if (p) {
              expect(Number.isFinite(p.score) && p.score >= 0 && p.score <= 1, `${e.id} score ${p.score}`).toBe(true);
              expect(p.label).toBe(p.score >= model.manifest.outputs.threshold);
            }
          }
          for (const code of out.ingestCodes.values()) expect(code).toMatch(/^TW_INGEST_[A-Z_]+$/);
          for (const code of out.inferenceCodes.values()) expect(['TW_MODEL_INVALID_SCORE', 'TW_MODEL_NON_FINITE_INPUT']).toContain(code);
          seen.predicted += out.scores.size;
          seen.ingestDlq += out.ingestCodes.size;
          seen.inferenceDlq += out.inferenceCodes.size;
        },
      ),
      { numRuns: 200 },
    );
    // Both outcomes are reached, so the property is not vacuous.
    expect(seen.predicted).toBeGreaterThan(500);
    expect(seen.ingestDlq).toBeGreaterThan(100);
  }, 120_000);

  const at = (minutesAgo: number) => iso(now - minutesAgo * 60_000);
  const ordinary = (id: string, card: string, minutesAgo: number): RawEvent => ({
    id,
    card,
    amount: '10',
    currency: 'EUR',
    occurredAt: at(minutesAgo),
  });

  it('dead-letters a 1e308 payment, and the card’s next ordinary payment scores as on a fresh card', async () => {
    const out = await pipeline(bounded, [
      { id: 'huge', card: 'card-a', amount: '1e308', currency: 'EUR', occurredAt: at(10) },
      ordinary('after', 'card-a', 5),
      ordinary('fresh', 'card-z', 5),
    ]);
    expect(out.ingestCodes).toEqual(new Map([['huge', 'TW_INGEST_AMOUNT_OUT_OF_RANGE']]));
    const after = out.scores.get('after')!;
    expect(after.score).toBeCloseTo(out.scores.get('fresh')!.score, 6);
    expect(after.label).toBe(false);
  });

  it('without ingestion bounds, scores neither the 1e308 payment NaN nor the next ordinary one as fraud', async () => {
    const out = await pipeline(unbounded, [
      { id: 'huge', card: 'card-a', amount: '1e308', currency: 'EUR', occurredAt: at(10) },
      { id: 'huge-2', card: 'card-a', amount: String(Number.MAX_VALUE), currency: 'EUR', occurredAt: at(8) },
      ordinary('after', 'card-a', 5),
    ]);
    for (const id of ['huge', 'huge-2', 'after']) {
      const p = out.scores.get(id);
      expect(p === undefined ? out.inferenceCodes.get(id) : Number.isFinite(p.score) && p.score >= 0 && p.score <= 1).toBeTruthy();
    }
    expect(out.scores.get('after')!.label).toBe(false);
  });

  it('dead-letters a 1e39 payment with TW_MODEL_NON_FINITE_INPUT when the manifest says so, and scores the rest', async () => {
    const out = await pipeline(
      unbounded,
      [{ id: 'past-fp32', card: 'card-a', amount: '1e39', currency: 'EUR', occurredAt: at(3) }, ordinary('other', 'card-b', 3)],
      'dead-letter',
    );
    expect(out.inferenceCodes).toEqual(new Map([['past-fp32', 'TW_MODEL_NON_FINITE_INPUT']]));
    expect([...out.scores.keys()]).toEqual(['other']);
  });

  it('dead-letters occurred_at 0001-01-01 with TW_INGEST_PAST_TIMESTAMP', async () => {
    const out = await pipeline(bounded, [{ ...ordinary('ancient', 'card-a', 0), occurredAt: '0001-01-01T00:00:00Z' }]);
    expect(out.ingestCodes).toEqual(new Map([['ancient', 'TW_INGEST_PAST_TIMESTAMP']]));
  });
});
