import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createKafkaClient, createProducer } from '@tidewater/kafka';
import { avroTopicWriter } from '@tidewater/service-runtime';
import type { FeatureVector, Prediction } from '@tidewater/schemas';
import { createTopics, stackEndpoints, uniqueName } from '@tidewater/test-support';
import { csvField, exportTraining } from './training-export.js';

const logger = pino({ level: 'silent' });
const t0 = Date.UTC(2026, 0, 1);

function vector(i: number): FeatureVector {
  return {
    event_id: `e${i}`,
    entity_key: `card-${i % 3}`,
    feature_set: 'card-fraud',
    feature_set_version: '2-abc',
    event_time: t0 + i * 60_000,
    ingested_at: t0 + i * 60_000 + 5,
    feature_time: t0 + i * 60_000 + 9,
    late: i === 4,
    features: { amount: i * 1.5, channel: i % 2 ? 'ecom' : 'pos, "quoted"', amount_to_mean_7d: i === 2 ? null : 1 },
  };
}

function prediction(i: number, model = 'fraud-demo'): Prediction {
  return {
    event_id: `e${i}`,
    entity_key: `card-${i % 3}`,
    model_name: model,
    model_version: '1',
    feature_set_version: '2-abc',
    score: i / 100,
    label: i > 5,
    threshold: 0.05,
    event_time: t0 + i * 60_000,
    ingested_at: t0 + i * 60_000 + 5,
    feature_time: t0 + i * 60_000 + 9,
    predicted_at: t0 + i * 60_000 + 20,
    source: { topic: 'features', partition: 0, offset: i },
  };
}

/** A small RFC 4180 reader for the test: quoted fields with doubled quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.trimEnd().split('\n')) {
    const cells: string[] = [];
    for (const m of line.matchAll(/(?:^|,)(?:"((?:[^"]|"")*)"|([^,]*))/g))
      cells.push(m[1] !== undefined ? m[1].replaceAll('""', '"') : m[2]!);
    rows.push(cells);
  }
  return rows;
}

describe('exportTraining', () => {
  it('joins vectors and predictions of an event-time range by event_id into CSV', { timeout: 120_000 }, async () => {
    const { brokers, registryUrl } = stackEndpoints();
    const kafka = createKafkaClient({ brokers, clientId: 'export-int', logger });
    const registry = new SchemaRegistryClient({ baseURLs: [registryUrl] });
    const topics = { features: uniqueName('exp-features'), predictions: uniqueName('exp-pred') };
    await createTopics([
      { name: topics.features, partitions: 3 },
      { name: topics.predictions, partitions: 3 },
    ]);
    const producer = createProducer({ kafka, logger });
    await producer.start();
    try {
      const fw = await avroTopicWriter(registry, topics.features, 'featureVector', true);
      const pw = await avroTopicWriter(registry, topics.predictions, 'prediction', true);
      // Vectors 0..9; predictions for 0..7 (8 and 9 unscored), plus a shadow model for 3, and one for an unknown event.
      await producer.send(
        topics.features,
        Array.from({ length: 10 }, (_, i) => vector(i)).map((v) => ({ key: fw.key.encode(v.entity_key), value: fw.value.encode(v) })),
      );
      await producer.send(
        topics.predictions,
        [...Array.from({ length: 8 }, (_, i) => prediction(i)), prediction(3, 'fraud-shadow'), { ...prediction(6), event_id: 'ghost' }].map(
          (p) => ({
            key: pw.key.encode(p.entity_key),
            value: pw.value.encode(p),
          }),
        ),
      );

      const out = join(mkdtempSync(join(tmpdir(), 'tw-export-')), 'train.csv');
      // Range [minute 2, minute 9): events 2..8.
      const result = await exportTraining({
        kafka,
        registry,
        featuresTopic: topics.features,
        predictionsTopic: topics.predictions,
        from: t0 + 2 * 60_000,
        to: t0 + 9 * 60_000,
        out,
      });
      expect(result).toMatchObject({ rows: 7, features: 7, predictions: 8, unmatchedFeatures: 1, unmatchedPredictions: 1 });
      const [header, ...rows] = parseCsv(readFileSync(out, 'utf8'));
      expect(header).toEqual([
        'event_id',
        'entity_key',
        'event_time',
        'feature_set',
        'feature_set_version',
        'late',
        'amount',
        'channel',
        'amount_to_mean_7d',
        'model_name',
        'model_version',
        'score',
        'label',
        'threshold',
        'predicted_at',
      ]);
      const byKey = new Map(rows.map((r) => [`${r[0]}/${r[9]}`, r]));
      expect([...byKey.keys()].sort()).toEqual(
        ['e2/fraud-demo', 'e3/fraud-demo', 'e3/fraud-shadow', 'e4/fraud-demo', 'e5/fraud-demo', 'e6/fraud-demo', 'e7/fraud-demo'].sort(),
      );
      expect(byKey.get('e2/fraud-demo')).toEqual([
        'e2',
        'card-2',
        new Date(t0 + 2 * 60_000).toISOString(),
        'card-fraud',
        '2-abc',
        'false',
        '3',
        'pos, "quoted"',
        '',
        'fraud-demo',
        '1',
        '0.02',
        'false',
        '0.05',
        new Date(t0 + 2 * 60_000 + 20).toISOString(),
      ]);
      expect(byKey.get('e4/fraud-demo')![5]).toBe('true');
    } finally {
      await producer.close();
    }
  });

  it('quotes CSV fields only when they need it', () => {
    expect([csvField('a'), csvField('a,b'), csvField('say "hi"'), csvField(null), csvField(1.5), csvField(true)]).toEqual([
      'a',
      '"a,b"',
      '"say ""hi"""',
      '',
      '1.5',
      'true',
    ]);
  });
});
