import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import avro from 'avsc';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { createAvroEncoder, createProducer, deadLetterHeaders } from '@tidewater/kafka';
import { loadSchema, repoRoot } from '@tidewater/schemas';
import { createTopics, type RunningService, stackEndpoints, testKafka, uniqueName } from '@tidewater/test-support';
import { examplesGoConsumer, examplesPython, runExample, runGoConsumer } from './client-examples.js';
import { privateTopics, serviceProcessEnv, startServiceProcesses } from './pipeline-fixture.js';

/**
 * Upstream and downstream teams on the official Python client (confluent-kafka with its Schema
 * Registry client and Avro serdes), against ingestion, feature and inference as processes on the
 * dev stack: raw events in as registry-framed Avro of two schema versions, every one scored or
 * dead-lettered, predictions read back in Python with their schema ids and trace ids, breaking
 * schema changes refused with Confluent's 409, and today's prediction reader still reading after
 * a compatible change, in Python and in Go (confluent-kafka-go/v2).
 */
describe('Confluent Python clients against Tidewater', () => {
  const prefix = uniqueName('py');
  const topics = privateTopics(prefix);
  const rawSubject = `${topics.TOPIC_EVENTS_RAW}-value`;
  const predictionSubject = `${topics.TOPIC_PREDICTIONS}-value`;
  const services: RunningService[] = [];
  const schemaFile = (name: string) => join(repoRoot, 'examples', 'python', 'schemas', name);
  let connect: string[];
  // What the producer reported per event: its schema id and the trace id it put in traceparent.
  const sent = new Map<string, { schema_id: number; trace_id: string }>();
  const invalid = new Set<string>();

  const registry = async (path: string) => {
    const res = await fetch(`${stackEndpoints().registryUrl}${path}`);
    expect(res.status, path).toBe(200);
    return res.json() as Promise<unknown>;
  };
  const consumePredictions = (group: string, max: number) =>
    runExample(
      'consume_predictions.py',
      [...connect, '--topic', topics.TOPIC_PREDICTIONS, '--group', group, '--max-messages', String(max), '--idle-seconds', '45', '--json'],
      {
        timeoutMs: 90_000,
      },
    );

  beforeAll(async () => {
    // Fail at once, saying how to build them, when .ci/run has not.
    examplesPython();
    examplesGoConsumer();
    const ep = stackEndpoints();
    connect = ['--bootstrap-servers', ep.brokers.join(','), '--schema-registry', ep.registryUrl];
    await createTopics(Object.values(topics).map((name) => ({ name, partitions: name.endsWith('dlq') ? 1 : 6 })));
    // The public subjects' level in production (docs/contracts.md); a fresh registry says BACKWARD.
    for (const subject of [rawSubject, predictionSubject]) {
      const set = await runExample('set_compatibility.py', [subject, 'FULL_TRANSITIVE', '--schema-registry', ep.registryUrl]);
      expect(set.stdout.trim(), set.stderr).toBe(`${subject}: FULL_TRANSITIVE`);
    }
    services.push(...(await startServiceProcesses(['inference', 'feature', 'ingestion'], serviceProcessEnv(prefix, topics), prefix)));
  }, 240_000);

  afterAll(async () => {
    for (const s of services) await s.stop();
  });

  /** Raw events as upstream would send them; every fifth is valid Avro that ingestion must refuse. */
  function events(stretch: string, count: number, extra: Record<string, unknown> = {}): string {
    const lines: string[] = [];
    for (let i = 0; i < count; i++) {
      const event: Record<string, unknown> = {
        event_id: `${prefix}-${stretch}-${i}`,
        occurred_at: new Date(Date.now() - i * 1000).toISOString(),
        card_id: `card-${i % 9}`,
        amount: 3 + ((i * 17.3) % 250),
        currency: 'EUR',
        merchant_id: `m-${i % 11}`,
        merchant_category: '5411',
        country: 'DE',
        channel: i % 2 === 0 ? 'ecom' : 'pos',
        ...extra,
      };
      if (i % 5 === 4) {
        invalid.add(event['event_id'] as string);
        if (i % 3 === 0) event['amount'] = -12.5;
        else if (i % 3 === 1) event['currency'] = 'ZZZ';
        else event['occurred_at'] = 'yesterday';
      }
      lines.push(JSON.stringify(event));
    }
    return `${lines.join('\n')}\n`;
  }

  async function produce(schema: string, input: string) {
    const result = await runExample(
      'produce_events.py',
      [...connect, '--topic', topics.TOPIC_EVENTS_RAW, '--schema', schema, '--register', '--events', '-', '--json'],
      {
        input,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    for (const line of result.lines) sent.set(line['event_id'] as string, line as { schema_id: number; trace_id: string });
    return result;
  }

  it('scores or dead-letters every event produced in Python with two schema versions', async () => {
    const v1 = await produce(join(repoRoot, 'schemas', 'raw-payment-event.avsc'), events('v1', 40));
    const v2 = await produce(schemaFile('raw-payment-event-v2.avsc'), events('v2', 20, { wallet: 'apple_pay' }));
    expect(v1.lines).toHaveLength(40);
    expect(v2.lines).toHaveLength(20);
    // Two versions of one subject, and each event framed with its version's id.
    expect(await registry(`/subjects/${encodeURIComponent(rawSubject)}/versions`)).toEqual([1, 2]);
    const ids = await Promise.all(
      [1, 2].map(async (v) => ((await registry(`/subjects/${encodeURIComponent(rawSubject)}/versions/${v}`)) as { id: number }).id),
    );
    expect(new Set(v1.lines.map((l) => l['schema_id']))).toEqual(new Set([ids[0]]));
    expect(new Set(v2.lines.map((l) => l['schema_id']))).toEqual(new Set([ids[1]]));

    const valid = [...sent.keys()].filter((id) => !invalid.has(id));
    const [predictions, deadLetters] = await Promise.all([
      consumePredictions(`${prefix}-reader`, valid.length),
      readDeadLetters(topics.TOPIC_EVENTS_DLQ, invalid.size, 90_000),
    ]);
    expect(predictions.code, predictions.stderr).toBe(0);
    const byEvent = new Map(predictions.lines.map((l) => [l['event_id'] as string, l]));
    expect([...byEvent.keys()].sort()).toEqual(valid.sort());
    const latest = (await registry(`/subjects/${encodeURIComponent(predictionSubject)}/versions/latest`)) as { id: number };
    for (const [eventId, p] of byEvent) {
      expect(p['schema_id']).toBe(latest.id);
      expect(p['model_version']).toBe('1');
      expect(p['score']).toBeGreaterThanOrEqual(0);
      expect(p['score']).toBeLessThanOrEqual(1);
      // The trace the Python producer started reaches the prediction through all three services.
      expect(p['trace_id'], eventId).toBe(sent.get(eventId)!.trace_id);
    }

    // The rest went to the dead-letter topic, as the Avro bytes Python sent, with a stable code.
    expect(deadLetters.map((d) => d.eventId).sort()).toEqual([...invalid].sort());
    for (const d of deadLetters) {
      expect(d.code).toMatch(/^TW_INGEST_INVALID_/);
      expect(d.sourceTopic).toBe(topics.TOPIC_EVENTS_RAW);
      expect(d.schemaId).toBe(sent.get(d.eventId)!.schema_id);
    }
  }, 180_000);

  it.each([
    ['a removed field without a default', 'raw-payment-event-breaking-removed-field.avsc', /'channel'/],
    ['a changed type', 'raw-payment-event-breaking-type.avsc', /'\/fields\/3\/type'/],
  ])('refuses %s with 409, and the Python client says why', async (_what, file, why) => {
    const result = await runExample('produce_events.py', [
      ...connect,
      '--topic',
      topics.TOPIC_EVENTS_RAW,
      '--schema',
      schemaFile(file),
      '--register',
      '--json',
    ]);
    expect(result.code).toBe(2);
    expect(result.lines).toHaveLength(1);
    const [refused] = result.lines;
    expect(refused).toMatchObject({ refused: rawSubject, http_status: 409, error_code: 409 });
    expect(refused!['message']).toMatch(/^Schema being registered is incompatible with an earlier schema for subject/);
    expect(refused!['message']).toMatch(why);
    expect(result.stderr).toContain('SR code 409');
    expect(await registry(`/subjects/${encodeURIComponent(rawSubject)}/versions`)).toEqual([1, 2]);
  });

  it("reads predictions written after a compatible change with today's prediction schema", async () => {
    const ep = stackEndpoints();
    const v2Text = readFileSync(schemaFile('prediction-v2.avsc'), 'utf8');
    // Inference after a release that added an optional field: a new version of the prediction subject.
    const sr = new SchemaRegistryClient({ baseURLs: [ep.registryUrl] });
    const key = await createAvroEncoder<string>({
      registry: sr,
      subject: `${topics.TOPIC_PREDICTIONS}-key`,
      schema: loadSchema('entityKey'),
      autoRegister: false,
    });
    const value = await createAvroEncoder<Record<string, unknown>>({
      registry: sr,
      subject: predictionSubject,
      schema: { text: v2Text, type: avro.Type.forSchema(JSON.parse(v2Text) as avro.Schema) },
      autoRegister: true,
    });
    const now = Date.now();
    const evolved = [0, 1, 2].map((i) => ({
      event_id: `${prefix}-evolved-${i}`,
      entity_key: `card-${i}`,
      model_name: 'fraud-demo',
      model_version: '2',
      feature_set_version: '1',
      score: 0.25 * i,
      label: i === 2,
      threshold: 0.5,
      event_time: now,
      ingested_at: now,
      feature_time: now,
      predicted_at: now,
      source: { topic: topics.TOPIC_FEATURES, partition: 0, offset: i },
      explanation: 'amount far above the card history',
    }));
    const producer = createProducer({ kafka: testKafka() });
    await producer.start();
    await producer.send(
      topics.TOPIC_PREDICTIONS,
      evolved.map((p) => ({ key: key.encode(p.entity_key), value: value.encode(p) })),
    );
    await producer.close();
    expect(await registry(`/subjects/${encodeURIComponent(predictionSubject)}/versions`)).toEqual([1, 2]);
    // A release that dropped score would break every reader: the registry refuses it.
    const withoutScore = JSON.parse(v2Text) as { fields: { name: string }[] };
    withoutScore.fields = withoutScore.fields.filter((f) => f.name !== 'score');
    const refused = await fetch(`${ep.registryUrl}/subjects/${encodeURIComponent(predictionSubject)}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(withoutScore) }),
    });
    expect(refused.status).toBe(409);
    const body = (await refused.json()) as { error_code: number; message: string };
    expect(body.error_code).toBe(409);
    expect(body.message).toContain("errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'score'");

    const valid = [...sent.keys()].filter((id) => !invalid.has(id));
    const read = await consumePredictions(`${prefix}-rereader`, valid.length + evolved.length);
    expect(read.code, read.stderr).toBe(0);
    const byEvent = new Map(read.lines.map((l) => [l['event_id'] as string, l]));
    expect(byEvent.size).toBe(valid.length + evolved.length);
    for (const p of evolved) {
      expect(byEvent.get(p.event_id)).toMatchObject({
        schema_id: value.schemaId,
        model_version: '2',
        score: p.score,
        label: p.label,
        entity_key: p.entity_key,
      });
    }
    const first = (await registry(`/subjects/${encodeURIComponent(predictionSubject)}/versions/1`)) as { id: number };
    expect(new Set(valid.map((id) => byEvent.get(id)?.['schema_id']))).toEqual(new Set([first.id]));

    // The same in Go (confluent-kafka-go/v2 and its schemaregistry avrov2 deserializer).
    const ep2 = ['-bootstrap-servers', ep.brokers.join(','), '-schema-registry', ep.registryUrl];
    const go = await runGoConsumer(
      [
        ...ep2,
        '-topic',
        topics.TOPIC_PREDICTIONS,
        '-group',
        `${prefix}-go`,
        '-max-messages',
        String(byEvent.size),
        '-idle',
        '45s',
        '-json',
      ],
      { timeoutMs: 90_000 },
    );
    expect(go.code, go.stderr).toBe(0);
    const fromGo = new Map(go.lines.map((l) => [l['event_id'] as string, l]));
    expect([...fromGo.keys()].sort()).toEqual([...byEvent.keys()].sort());
    for (const [eventId, p] of byEvent) {
      const pick = (l: Record<string, unknown> | undefined) => [
        l?.['schema_id'],
        l?.['model_version'],
        l?.['score'],
        l?.['trace_id'] ?? null,
      ];
      expect(
        pick(fromGo.get(eventId)).map((v) => (v === '' ? null : v)),
        eventId,
      ).toEqual(pick(p));
    }
  }, 150_000);

  it('stops the services cleanly', async () => {
    const codes: (number | null)[] = [];
    for (const s of services.splice(0).reverse()) codes.push(await s.stop());
    expect(codes).toEqual([0, 0, 0]);
  }, 60_000);
});

interface DeadLetterSeen {
  eventId: string;
  code: string;
  sourceTopic: string;
  schemaId: number;
}

/** Reads the dead-letter topic from the start until `count` letters arrived or `timeoutMs` passed. */
async function readDeadLetters(topic: string, count: number, timeoutMs: number): Promise<DeadLetterSeen[]> {
  const schema = avro.Type.forSchema(JSON.parse(readFileSync(join(repoRoot, 'schemas', 'raw-payment-event.avsc'), 'utf8')) as avro.Schema);
  const seen: DeadLetterSeen[] = [];
  const consumer = testKafka().consumer({ groupId: uniqueName('py-dlq'), sessionTimeout: 6000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const bytes = message.value!;
      const header = (name: string) => message.headers?.[name]?.toString() ?? '';
      // The original bytes: Confluent framing, then an Avro body whose leading fields v1 and v2 share.
      const body = schema.decode(bytes, 5).value as { event_id: string } | undefined;
      seen.push({
        eventId: body?.event_id ?? '',
        code: header(deadLetterHeaders.code),
        sourceTopic: header(deadLetterHeaders.sourceTopic),
        schemaId: bytes.readUInt32BE(1),
      });
    },
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && seen.length < count) await sleep(200);
  await consumer.disconnect();
  return seen;
}
