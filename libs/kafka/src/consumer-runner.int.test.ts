import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createTopics, stackEndpoints, uniqueName } from '@tidewater/test-support';
import { committedVsHigh, headerText, recordCount, tapTopics, waitUntil, type ReadRecord, type TopicTap } from '../test/topic-tap.js';
import { createConsumerRunner, type ConsumedRecord, type ConsumerRunner, type ConsumerRunnerOptions } from './consumer-runner.js';
import { createDeadLetterWriter, deadLetterHeaders } from './dead-letter.js';
import type { KafkaAdmin } from './admin.js';
import { createKafkaClient, type KafkaClient } from './kafka-client.js';
import { createProducer, type OutgoingRecord, type TidewaterProducer } from './producer.js';
import { kafkaErrors } from './errors.js';
import { serdeErrors } from './serde/errors.js';
import { traceHeaders } from './trace-context.js';
import type { KafkaRecord } from './types.js';

const logger = pino({ level: 'silent' });
// Rebalance in seconds rather than kafkajs's default tens of seconds.
const fastGroup = { sessionTimeout: 6000, rebalanceTimeout: 6000, heartbeatInterval: 500 };

/** What the test producer writes: a sequence number, and whether the record should be refused. */
interface TestValue {
  readonly seq: number;
  readonly bad: boolean;
}

/** Good records are JSON; bad ones are raw bytes a JSON decoder refuses, with a NUL and a non-UTF-8 byte. */
function testRecord(seq: number, bad: boolean): OutgoingRecord {
  return {
    key: seq % 5 === 0 ? null : `key-${seq}`,
    value: bad ? Buffer.from([0xff, 0x00, seq & 0xff]) : Buffer.from(JSON.stringify({ seq, bad: false })),
    headers: { 'x-origin': 'kafka-int-test', 'x-seq': String(seq) },
  };
}

function decodeTestValue(message: KafkaRecord): TestValue {
  const value = message.value;
  if (!value || value[0] !== 0x7b) {
    const seq = Number(headerText(message.headers ?? {}, 'x-seq'));
    throw serdeErrors.create('TW_SERDE_NOT_WIRE_FORMAT', `record ${seq} is not JSON: first byte 0x${value?.[0]?.toString(16)}`);
  }
  return JSON.parse(value.toString()) as TestValue;
}

describe('createConsumerRunner on the dev stack', () => {
  let kafka: KafkaClient;
  let admin: KafkaAdmin;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    kafka = createKafkaClient({ brokers: stackEndpoints().brokers, clientId: uniqueName('kafka-runner-int'), logger });
    admin = kafka.admin();
    await admin.connect();
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  afterAll(async () => {
    await admin?.disconnect();
  });

  /** Topics (input, output, dead letters), a producer, a registry and a dead-letter writer for one test. */
  async function scenario(inputPartitions: number) {
    const topics = { input: uniqueName('runner-in'), output: uniqueName('runner-out'), dlq: uniqueName('runner-dlq') };
    await createTopics([
      { name: topics.input, partitions: inputPartitions },
      { name: topics.output, partitions: 3 },
      { name: topics.dlq, partitions: 1 },
    ]);
    const producer = createProducer({ kafka, logger });
    cleanups.push(() => producer.close());
    await producer.start();
    const registry = new Registry();
    const deadLetters = createDeadLetterWriter({ producer, topic: topics.dlq, service: 'kafka-int-test', registry });
    return { topics, producer, registry, deadLetters, groupId: uniqueName('runner-group') };
  }

  type RunnerOptions<T> = Omit<ConsumerRunnerOptions<T>, 'kafka' | 'logger' | 'consumer'>;

  async function startRunner<T>(opts: RunnerOptions<T>, consumer: ConsumerRunnerOptions<T>['consumer'] = {}): Promise<ConsumerRunner> {
    const runner = createConsumerRunner<T>({
      kafka,
      logger,
      consumer: { ...fastGroup, ...consumer },
      retry: { minTimeoutMs: 50, maxTimeoutMs: 200 },
      ...opts,
    });
    cleanups.push(() => runner.close());
    await runner.start();
    await runner.assigned();
    return runner;
  }

  /** Reads back the topics a runner writes; start it alongside the runner, since each group join takes seconds. */
  async function tap(topics: readonly string[]): Promise<TopicTap> {
    const t = await tapTopics(kafka, topics);
    cleanups.push(() => t.close());
    return t;
  }

  /** Forwards records to `topic` as the services do: same key, trace continued. */
  function forward(producer: TidewaterProducer, topic: string, records: readonly ConsumedRecord<TestValue>[]) {
    return producer.send(
      topic,
      records.map((r) => ({
        key: r.key,
        value: Buffer.from(JSON.stringify(r.value)),
        headers: { 'x-seq': String(r.value.seq) },
        context: r.context,
      })),
    );
  }

  /** Checks each dead letter carries its original record untouched plus the error and source headers. */
  function expectDeadLetters(
    letters: readonly ReadRecord[],
    input: string,
    expected: { seqs: readonly number[]; code: string; message: RegExp },
  ) {
    expect(letters.map((l) => Number(headerText(l.headers, 'x-seq'))).sort((a, b) => a - b)).toEqual(expected.seqs);
    for (const letter of letters) {
      const seq = Number(headerText(letter.headers, 'x-seq'));
      const original = testRecord(seq, true);
      expect(letter.key?.toString() ?? null).toEqual(original.key);
      expect(letter.value).toEqual(original.value);
      expect(headerText(letter.headers, 'x-origin')).toBe('kafka-int-test');
      expect(headerText(letter.headers, deadLetterHeaders.code)).toBe(expected.code);
      expect(headerText(letter.headers, deadLetterHeaders.message)).toMatch(expected.message);
      expect(headerText(letter.headers, deadLetterHeaders.retriable)).toBe('false');
      expect(headerText(letter.headers, deadLetterHeaders.service)).toBe('kafka-int-test');
      expect(headerText(letter.headers, deadLetterHeaders.sourceTopic)).toBe(input);
      expect(headerText(letter.headers, deadLetterHeaders.sourcePartition)).toBe('0');
      // One input partition, written from empty: record n sits at offset n.
      expect(headerText(letter.headers, deadLetterHeaders.sourceOffset)).toBe(String(seq));
    }
  }

  /** Waits up to 5 s for the group's committed offsets to reach every partition's high watermark. */
  async function expectCommittedUpToHigh(groupId: string, topic: string): Promise<void> {
    const deadline = Date.now() + 5000;
    let progress = await committedVsHigh(admin, groupId, topic);
    while (JSON.stringify(progress.committed) !== JSON.stringify(progress.high) && Date.now() < deadline) {
      await sleep(100);
      progress = await committedVsHigh(admin, groupId, topic);
    }
    expect(progress.committed).toEqual(progress.high);
  }

  async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
    const metric = await registry.getSingleMetric(name)?.get();
    const hit = metric?.values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want));
    return hit?.value ?? 0;
  }

  it('handles each of 500 records once, then commits offsets up to every partition high watermark', async () => {
    const s = await scenario(6);
    await s.producer.send(
      s.topics.input,
      Array.from({ length: 500 }, (_, seq) => testRecord(seq, false)),
    );
    const handled = new Map<number, number>();
    const runner = await startRunner<TestValue>({
      groupId: s.groupId,
      topics: [s.topics.input],
      registry: s.registry,
      deadLetters: s.deadLetters,
      decode: decodeTestValue,
      handle: async (records) => {
        await forward(s.producer, s.topics.output, records);
        for (const r of records) handled.set(r.value.seq, (handled.get(r.value.seq) ?? 0) + 1);
      },
    });
    await waitUntil(
      () => handled.size === 500,
      30_000,
      () => `500 handled records (got ${handled.size})`,
    );
    await runner.close();

    const { committed, high } = await committedVsHigh(admin, s.groupId, s.topics.input);
    expect(Object.keys(high)).toHaveLength(6);
    expect(Object.values(high).every((h) => Number(h) > 0)).toBe(true); // keys spread over every partition
    expect(committed).toEqual(high);
    expect([...handled.values()].every((n) => n === 1)).toBe(true);
    expect(await recordCount(admin, s.topics.output)).toBe(500);
    expect(await recordCount(admin, s.topics.dlq)).toBe(0);
    expect(await metricValue(s.registry, 'tw_kafka_processed_total', { topic: s.topics.input, outcome: 'ok' })).toBe(500);
  });

  it('dead-letters records that decode refuses, with original bytes and headers, and hands the rest over', async () => {
    const s = await scenario(1);
    const bad = [1, 5, 10];
    await s.producer.send(
      s.topics.input,
      Array.from({ length: 12 }, (_, seq) => testRecord(seq, bad.includes(seq))),
    );
    const handled: number[] = [];
    const [runner, out] = await Promise.all([
      startRunner<TestValue>({
        groupId: s.groupId,
        topics: [s.topics.input],
        registry: s.registry,
        deadLetters: s.deadLetters,
        decode: decodeTestValue,
        handle: async (records) => {
          handled.push(...records.map((r) => r.value.seq));
        },
      }),
      tap([s.topics.dlq, s.topics.output]),
    ]);
    const letters = await out.read(s.topics.dlq, bad.length);
    await waitUntil(() => handled.length >= 9, 10_000, 'the good records');
    await runner.close();

    expectDeadLetters(letters, s.topics.input, { seqs: bad, code: 'TW_SERDE_NOT_WIRE_FORMAT', message: /is not JSON: first byte 0xff/ });
    expect(handled.sort((a, b) => a - b)).toEqual([0, 2, 3, 4, 6, 7, 8, 9, 11]);
    const { committed, high } = await committedVsHigh(admin, s.groupId, s.topics.input);
    expect(committed).toEqual(high);
    expect(await metricValue(s.registry, 'tw_dead_letters_total', { code: 'TW_SERDE_NOT_WIRE_FORMAT' })).toBe(3);
  });

  it('dead-letters records the handler marks with tools.deadLetter and forwards only the others', async () => {
    const s = await scenario(1);
    const bad = [0, 7];
    // These are decodable: the handler, not decode, decides they are poison.
    await s.producer.send(
      s.topics.input,
      Array.from({ length: 10 }, (_, seq) => ({
        ...testRecord(seq, false),
        ...(bad.includes(seq) ? { value: testRecord(seq, true).value } : {}),
      })),
    );
    const [runner, out] = await Promise.all([
      startRunner<TestValue>({
        groupId: s.groupId,
        topics: [s.topics.input],
        registry: s.registry,
        deadLetters: s.deadLetters,
        decode: (message) => {
          const seq = Number(headerText(message.headers ?? {}, 'x-seq'));
          return { seq, bad: bad.includes(seq) };
        },
        handle: async (records, tools) => {
          for (const r of records.filter((x) => x.value.bad)) {
            tools.deadLetter(r, serdeErrors.create('TW_SERDE_INVALID_VALUE', `record ${r.value.seq}: amount must be positive`));
          }
          await forward(
            s.producer,
            s.topics.output,
            records.filter((x) => !x.value.bad),
          );
        },
      }),
      tap([s.topics.dlq, s.topics.output]),
    ]);
    const letters = await out.read(s.topics.dlq, bad.length);
    const output = await out.read(s.topics.output, 8);
    await runner.close();

    expectDeadLetters(letters, s.topics.input, { seqs: bad, code: 'TW_SERDE_INVALID_VALUE', message: /amount must be positive/ });
    expect(output.map((r) => Number(headerText(r.headers, 'x-seq'))).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 8, 9]);
    expect(await recordCount(admin, s.topics.output)).toBe(8);
  });

  it('replays a failing batch record by record and dead-letters only the record that keeps failing', async () => {
    const s = await scenario(1);
    const bad = 4;
    // One send, so the bad record travels in one fetched batch with its neighbours.
    await s.producer.send(
      s.topics.input,
      Array.from({ length: 10 }, (_, seq) => ({
        ...testRecord(seq, false),
        ...(seq === bad ? { value: testRecord(seq, true).value } : {}),
      })),
    );
    const attempts = new Map<number, number>();
    const [runner, out] = await Promise.all([
      startRunner<TestValue>({
        groupId: s.groupId,
        topics: [s.topics.input],
        registry: s.registry,
        deadLetters: s.deadLetters,
        decode: (message) => {
          const seq = Number(headerText(message.headers ?? {}, 'x-seq'));
          return { seq, bad: seq === bad };
        },
        handle: async (records) => {
          for (const r of records) attempts.set(r.value.seq, (attempts.get(r.value.seq) ?? 0) + 1);
          // A non-retriable TidewaterError says the record is bad: the runner isolates the culprit instead of backing off.
          const culprit = records.find((r) => r.value.bad);
          if (culprit) throw kafkaErrors.create('TW_KAFKA_HANDLER_FAILED', `model refused record ${culprit.value.seq}`);
          await forward(s.producer, s.topics.output, records);
        },
      }),
      tap([s.topics.dlq, s.topics.output]),
    ]);
    const letters = await out.read(s.topics.dlq, 1);
    const output = await out.read(s.topics.output, 9);
    await runner.close();

    expectDeadLetters(letters, s.topics.input, { seqs: [bad], code: 'TW_KAFKA_HANDLER_FAILED', message: /model refused record 4/ });
    // At-least-once: good records that shared the failing batch are handled again during the replay.
    for (let seq = 0; seq < 10; seq++) if (seq !== bad) expect(attempts.get(seq) ?? 0).toBeGreaterThanOrEqual(1);
    expect(attempts.get(bad)).toBeGreaterThanOrEqual(2); // once within its batch, once alone
    expect(output.map((r) => Number(headerText(r.headers, 'x-seq'))).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9]);
    expect(await recordCount(admin, s.topics.output)).toBe(9);
    const { committed, high } = await committedVsHigh(admin, s.groupId, s.topics.input);
    expect(committed).toEqual(high);
    expect(await metricValue(s.registry, 'tw_kafka_processed_total', { topic: s.topics.input, outcome: 'dead_letter' })).toBe(1);
  });

  it('retries a batch after retriable errors with backoff, dead-letters nothing, and counts the retries', async () => {
    const s = await scenario(1);
    await s.producer.send(
      s.topics.input,
      Array.from({ length: 5 }, (_, seq) => testRecord(seq, false)),
    );
    let calls = 0;
    const handled = new Set<number>();
    const runner = await startRunner<TestValue>({
      groupId: s.groupId,
      topics: [s.topics.input],
      registry: s.registry,
      deadLetters: s.deadLetters,
      decode: decodeTestValue,
      handle: async (records, tools) => {
        calls += 1;
        // A verdict from an attempt that then failed is void, like its outputs: the retry decides afresh.
        if (calls === 1) tools.deadLetter(records[0]!, serdeErrors.create('TW_SERDE_INVALID_VALUE', 'judged while the registry was down'));
        if (calls <= 2) throw serdeErrors.create('TW_SERDE_REGISTRY_UNAVAILABLE', 'registry answered 503');
        for (const r of records) handled.add(r.value.seq);
      },
    });
    await waitUntil(() => handled.size === 5, 10_000, 'all 5 records handled');
    await runner.close();

    expect(calls).toBeGreaterThanOrEqual(3);
    expect(await metricValue(s.registry, 'tw_kafka_handler_retries_total', { topic: s.topics.input })).toBe(2);
    expect(await recordCount(admin, s.topics.dlq)).toBe(0);
    const { committed, high } = await committedVsHigh(admin, s.groupId, s.topics.input);
    expect(committed).toEqual(high);
  });

  it('close() waits for the in-flight batch and commits it, so the next member resumes right after it', async () => {
    const s = await scenario(1);
    await s.producer.send(
      s.topics.input,
      Array.from({ length: 10 }, (_, seq) => testRecord(seq, false)),
    );
    const first: number[] = [];
    let markStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    let finishedAt = 0;
    const runner = await startRunner<TestValue>({
      groupId: s.groupId,
      topics: [s.topics.input],
      registry: s.registry,
      deadLetters: s.deadLetters,
      decode: decodeTestValue,
      handle: async (records) => {
        markStarted();
        await sleep(1500);
        first.push(...records.map((r) => r.value.seq));
        finishedAt = Date.now();
      },
    });
    await started;
    const closing = runner.close();
    expect(runner.close()).toBe(closing);
    await closing;
    const closedAt = Date.now();

    expect(first.length).toBeGreaterThan(0);
    expect(finishedAt).toBeGreaterThan(0);
    expect(finishedAt).toBeLessThanOrEqual(closedAt);
    // Batches are handled in offset order: what the first member finished is a prefix, committed.
    expect(first).toEqual(Array.from({ length: first.length }, (_, i) => i));
    const { committed } = await committedVsHigh(admin, s.groupId, s.topics.input);
    expect(committed).toEqual({ 0: String(first.length) });

    await s.producer.send(
      s.topics.input,
      Array.from({ length: 5 }, (_, i) => testRecord(10 + i, false)),
    );
    const second: number[] = [];
    const next = await startRunner<TestValue>({
      groupId: s.groupId,
      topics: [s.topics.input],
      registry: new Registry(),
      deadLetters: s.deadLetters,
      decode: decodeTestValue,
      handle: async (records) => {
        second.push(...records.map((r) => r.value.seq));
      },
    });
    await waitUntil(() => second.includes(14), 15_000, 'the second member to reach the last record');
    await next.close();

    expect(second).toEqual(Array.from({ length: 15 - first.length }, (_, i) => first.length + i));
  });

  it('commits on its interval while running, and what it processed before a rebalance hands partitions over', async () => {
    const s = await scenario(4);
    const handled = new Map<number, number>();
    const options = {
      groupId: s.groupId,
      topics: [s.topics.input],
      deadLetters: s.deadLetters,
      decode: decodeTestValue,
      handle: async (records: readonly ConsumedRecord<TestValue>[]) => {
        for (const r of records) handled.set(r.value.seq, (handled.get(r.value.seq) ?? 0) + 1);
      },
    };
    const send = (from: number, n: number) =>
      s.producer.send(
        s.topics.input,
        Array.from({ length: n }, (_, i) => testRecord(from + i, false)),
      );

    // Every 500 ms: once the records are handled, a commit follows within the interval, with no
    // batch after it (on the next fetch) and without closing.
    const interval = await startRunner<TestValue>({ ...options, registry: s.registry }, { commitIntervalMs: 500 });
    await send(0, 100);
    await waitUntil(
      () => handled.size === 100,
      15_000,
      () => `100 handled records (got ${handled.size})`,
    );
    await expectCommittedUpToHigh(s.groupId, s.topics.input);
    await interval.close();

    // An interval no test outlasts: what the first member handled is committed only because the
    // rebalance (a second member joining) makes it commit before re-joining.
    const first = await startRunner<TestValue>({ ...options, registry: new Registry() }, { commitIntervalMs: 600_000 });
    await send(100, 100);
    await waitUntil(
      () => handled.size === 200,
      15_000,
      () => `200 handled records (got ${handled.size})`,
    );
    const second = await startRunner<TestValue>({ ...options, registry: new Registry() }, { commitIntervalMs: 600_000 });
    await send(200, 100);
    await waitUntil(
      () => handled.size === 300,
      20_000,
      () => `300 handled records (got ${handled.size})`,
    );
    await Promise.all([first.close(), second.close()]);

    expect([...handled.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    const { committed, high } = await committedVsHigh(admin, s.groupId, s.topics.input);
    expect(committed).toEqual(high);
  });

  it('abandons a batch whose heartbeat reports a rebalance: no retry, and its records go to their next owner', async () => {
    const s = await scenario(2);
    const handledBy = new Map<number, string[]>();
    // The first member holds its first batch of each partition, heartbeating as a long scoring step
    // would, while a second member joins. kafkajs's heartbeat then reports the rebalance for both;
    // @platformatic/kafka's (the library rejoins on its own) for the partition this member lost, and
    // the batch of the partition it kept goes on once the member has rejoined.
    const heldPartitions = new Set<number>();
    const abandoned: unknown[] = [];
    let rejoinedAt = 0;
    let second: Promise<ConsumerRunner> | undefined;
    const hold = async (tools: { heartbeat(): Promise<void> }) => {
      second ??= startRunner<TestValue>({ ...options('second'), registry: new Registry() });
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        try {
          await tools.heartbeat();
        } catch (err) {
          abandoned.push(err);
          throw err;
        }
        if (rejoinedAt > 0 && Date.now() - rejoinedAt > 1000) return;
        await sleep(100);
      }
      throw new Error('no rebalance reached the heartbeat in 20 s');
    };
    const options = (member: string) => ({
      groupId: s.groupId,
      topics: [s.topics.input],
      deadLetters: s.deadLetters,
      decode: decodeTestValue,
      partitionsConsumedConcurrently: 2,
      handle: async (records: readonly ConsumedRecord<TestValue>[], tools: { heartbeat(): Promise<void> }) => {
        const partition = records[0]!.partition;
        if (member === 'first' && !heldPartitions.has(partition)) {
          heldPartitions.add(partition);
          await hold(tools);
        }
        for (const r of records) handledBy.set(r.value.seq, [...(handledBy.get(r.value.seq) ?? []), member]);
      },
    });
    // Written before the first member starts, so its first fetch holds records of both partitions (keyed across them).
    await s.producer.send(
      s.topics.input,
      Array.from({ length: 40 }, (_, i) => testRecord(i, false)),
    );
    const firstRegistry = new Registry();
    const first = await startRunner<TestValue>({ ...options('first'), registry: firstRegistry });
    first.onGroupJoin(() => {
      if (heldPartitions.size > 0) rejoinedAt = Date.now();
    });
    await waitUntil(
      () => handledBy.size === 40,
      40_000,
      () => `40 handled records (got ${handledBy.size})`,
    );
    await second;

    expect(heldPartitions).toEqual(new Set([0, 1]));
    expect(abandoned.length).toBeGreaterThan(0);
    // Not retried: the failed attempts counted no retry, and every record was handled once, by
    // whichever member then owned its partition.
    expect(await metricValue(firstRegistry, 'tw_kafka_handler_retries_total', { topic: s.topics.input })).toBe(0);
    expect([...handledBy.entries()].filter(([, members]) => members.length !== 1)).toEqual([]);
    await expectCommittedUpToHigh(s.groupId, s.topics.input);
  });

  it('continues the producer trace: traceparent in the headers, process span in the same trace', async () => {
    const s = await scenario(1);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const spanId = '00f067aa0ba902b7';
    const parent = trace.setSpan(ROOT_CONTEXT, trace.wrapSpanContext({ traceId, spanId, traceFlags: TraceFlags.SAMPLED }));
    await s.producer.send(s.topics.input, [{ ...testRecord(0, false), context: parent }]);
    const seen: { traceparent?: string; spanTraceId: string; outgoing?: string }[] = [];
    const runner = await startRunner<TestValue>({
      groupId: s.groupId,
      topics: [s.topics.input],
      registry: s.registry,
      deadLetters: s.deadLetters,
      decode: decodeTestValue,
      handle: async (records) => {
        for (const r of records) {
          seen.push({
            traceparent: headerText(r.headers, 'traceparent'),
            spanTraceId: r.span.spanContext().traceId,
            outgoing: traceHeaders(r.context)['traceparent'],
          });
        }
      },
    });
    await waitUntil(() => seen.length === 1, 10_000, 'the traced record');
    await runner.close();

    expect(seen[0]?.traceparent).toBe(`00-${traceId}-${spanId}-01`);
    expect(seen[0]?.spanTraceId).toBe(traceId);
    // What a service forwards with record.context stays in the same trace.
    expect(seen[0]?.outgoing?.split('-')[1]).toBe(traceId);
  });
});
