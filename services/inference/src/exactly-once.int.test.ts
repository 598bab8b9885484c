import { setTimeout as sleep } from 'node:timers/promises';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { describe, expect, it } from 'vitest';
import { avroTopicWriter } from '@tidewater/service-runtime';
import { createProducer } from '@tidewater/kafka';
import { createTopics, type RunningService, runService, stackEndpoints, testKafka, uniqueName, waitFor } from '@tidewater/test-support';
import {
  committedOffsets,
  consoleConsumer,
  lastStableOffsets,
  killMidFlight,
  tapPredictions,
  type MidFlight,
  type TappedPrediction,
} from '../test/worker-kills.js';
import { sampleFeatureVectors } from '../test/sample-feature-vectors.js';
import { inferenceWorkerEnv } from '../test/worker-env.js';

const WORKERS = 3;
const VICTIM = 1;
const KILLS = 3;
/** The stream: CHUNK feature vectors every TICK_MS (100/s) while the kills go on, then TAIL more. */
const CHUNK = 20;
const TICK_MS = 200;
const TAIL = 600;
/** Vectors available to the stream; running out before the kills are done fails the test. */
const POOL = 20_000;

interface Outcome {
  readonly events: readonly string[];
  readonly kills: readonly MidFlight[];
  /** What a read_committed kafkajs consumer read from the predictions topic. */
  readonly committed: readonly TappedPrediction[];
  /** How many records a read_uncommitted consumer read there (aborted transactions' records included). */
  readonly uncommitted: number;
  readonly java: { readonly records: readonly { partition: number; offset: string }[]; readonly processed: number };
  readonly unexpectedExits: readonly string[];
  readonly seconds: number;
}

/**
 * Three inference worker processes, each with its own stable client id (and transactional id),
 * score a stream of feature vectors while worker VICTIM is SIGKILLed KILLS times, each time at a
 * moment when it has written predictions whose input offsets are not committed, and is started
 * again with the same ids. Returns what the predictions topic holds once every input offset is committed.
 */
async function runWithKills(exactlyOnce: boolean): Promise<Outcome> {
  const started = Date.now();
  const { env, brokers } = stackEndpoints();
  const name = exactlyOnce ? 'eos' : 'alo';
  const topics = {
    features: uniqueName(`${name}-features`),
    predictions: uniqueName(`${name}-pred`),
    shadow: uniqueName(`${name}-shadow`),
    dlq: uniqueName(`${name}-dlq`),
  };
  await createTopics([
    { name: topics.features, partitions: 6 },
    { name: topics.predictions, partitions: 6 },
    { name: topics.shadow, partitions: 6 },
    { name: topics.dlq, partitions: 1 },
  ]);
  const group = uniqueName(`${name}-inference`);
  const workerEnv = { ...inferenceWorkerEnv(env, topics, group), EXACTLY_ONCE: String(exactlyOnce) };
  const registry = new SchemaRegistryClient({ baseURLs: [env['SCHEMA_REGISTRY_URL']!] });
  const kafka = testKafka();
  const admin = kafka.admin();
  const producer = createProducer({ kafka });
  await Promise.all([admin.connect(), producer.start()]);
  const observer = await tapPredictions(stackEndpoints().brokers, registry, topics.predictions, 'read_uncommitted');

  const fleet: RunningService[] = [];
  const unexpectedExits: string[] = [];
  let stopping = false;
  // As in production, a worker's ids are its own and survive restarts (a StatefulSet's pod name).
  const start = async (slot: number): Promise<void> => {
    const id = `${group}-worker-${slot}`;
    const worker = await runService('inference', { ...workerEnv, KAFKA_CLIENT_ID: id, ...(exactlyOnce ? { TRANSACTIONAL_ID: id } : {}) });
    fleet[slot] = worker;
    worker.child.once('exit', (code, signal) => {
      if (stopping || signal === 'SIGKILL') return;
      // A supervisor starts it again; the outcome reports it.
      unexpectedExits.push(`worker ${slot} exited with ${signal ?? code}; see ${worker.logFile}`);
      void start(slot);
    });
  };

  try {
    await Promise.all(Array.from({ length: WORKERS }, (_, slot) => start(slot)));
    const writer = await avroTopicWriter(registry, topics.features, 'featureVector', true);
    const pool = sampleFeatureVectors(POOL, { prefix: uniqueName(name), entities: 3000 });
    let sent = 0;
    let target = pool.length; // lowered to the last kill's position plus TAIL
    const feeding = (async () => {
      while (sent < target) {
        const chunk = pool.slice(sent, Math.min(sent + CHUNK, target));
        await producer.send(
          topics.features,
          chunk.map((v) => ({ key: writer.key.encode(v.entity_key), value: writer.value.encode(v) })),
        );
        sent += chunk.length;
        await sleep(TICK_MS); // the stream's pace, not a synchronisation
      }
    })();
    feeding.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled

    const kills: MidFlight[] = [];
    while (kills.length < KILLS) {
      const victim = fleet[VICTIM]!;
      const probe = { admin, tap: observer, groupId: group, features: topics.features };
      kills.push(await killMidFlight(victim, probe, 120_000));
      if (victim.child.exitCode === null && victim.child.signalCode === null) await new Promise((r) => victim.child.once('exit', r));
      expect(sent, 'the stream ran out before the kills were done').toBeLessThan(pool.length);
      await start(VICTIM);
    }
    target = sent + TAIL;
    await feeding;
    const events = pool.slice(0, sent).map((v) => v.event_id);

    // Done when the group has committed every input offset: nothing is left to redo.
    const inputEnds = await lastStableOffsets(admin, topics.features);
    await waitFor(
      async () => {
        const committed = await committedOffsets(admin, group, topics.features);
        return [...inputEnds].every(([p, end]) => (committed.get(p) ?? 0n) >= end);
      },
      { timeoutMs: 180_000, intervalMs: 500, what: 'every input offset committed' },
    );
    const ends = await observer.settled(admin, 60_000);
    const reader = await tapPredictions(stackEndpoints().brokers, registry, topics.predictions, 'read_committed');
    try {
      await reader.caughtUp(ends, 60_000);
    } finally {
      await reader.stop();
    }
    const java = await consoleConsumer(brokers.join(','), topics.predictions, { idleMs: 8000, timeoutMs: 120_000 });
    return {
      events,
      kills,
      committed: reader.records,
      uncommitted: observer.records.length,
      java,
      unexpectedExits,
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    stopping = true;
    await Promise.all(fleet.map((w) => w.stop()));
    await Promise.all([observer.stop(), producer.close(), admin.disconnect()]);
  }
}

/** How often each event was predicted, and the events predicted more than once or never. */
function tally(outcome: Outcome) {
  const counts = new Map<string, number>();
  for (const r of outcome.committed) counts.set(r.eventId, (counts.get(r.eventId) ?? 0) + 1);
  const sent = new Set(outcome.events);
  return {
    missing: outcome.events.filter((id) => !counts.has(id)),
    duplicated: [...counts].filter(([, n]) => n > 1).map(([id]) => id),
    strays: [...counts.keys()].filter((id) => !sent.has(id)),
  };
}

const describeKills = (kills: readonly MidFlight[]) =>
  `uncommitted predictions at each: ${kills.map((k) => `${k.uncommitted} (freeze ${k.attempts})`).join(', ')}`;

const recordKeys = (records: readonly { partition: number; offset: string }[]) => records.map((r) => `${r.partition}@${r.offset}`).sort();

/** When the two read_committed readers disagree: the records only one of them read (the first 10 of each). */
function readersDiffer(outcome: Outcome): string {
  const java = new Set(recordKeys(outcome.java.records));
  const tap = new Map(outcome.committed.map((r) => [`${r.partition}@${r.offset}`, r]));
  const tapOnly = [...tap].filter(([k]) => !java.has(k)).map(([k, r]) => `${k} (${r.eventId} by ${r.producer})`);
  const javaOnly = [...java].filter((k) => !tap.has(k));
  if (tapOnly.length === 0 && javaOnly.length === 0) return '';
  return `; read by the kafkajs tap only: ${tapOnly.length} [${tapOnly.slice(0, 10).join(', ')}], by Java only: ${javaOnly.length} [${javaOnly.slice(0, 10).join(', ')}]`;
}

describe('inference workers SIGKILLed mid-transaction on Apache Kafka', () => {
  it('EXACTLY_ONCE=true: read_committed readers see every event predicted exactly once', { timeout: 480_000 }, async () => {
    const outcome = await runWithKills(true);
    const { missing, duplicated, strays } = tally(outcome);
    const aborted = outcome.uncommitted - outcome.committed.length;
    console.info(
      `exactly-once: ${outcome.events.length} events, ${outcome.kills.length} kills (${describeKills(outcome.kills)}), ` +
        `${outcome.committed.length} committed predictions, ${aborted} aborted, console consumer ${outcome.java.processed}, ` +
        `unexpected exits: ${outcome.unexpectedExits.length}, ${outcome.seconds} s${readersDiffer(outcome)}`,
    );
    expect(outcome.kills.length).toBe(KILLS);
    expect(missing.slice(0, 10)).toEqual([]);
    // Seen before the worker waited for its committed offsets to read back (offsets-visible.ts): a
    // worker rejoining right after a commit started again from the offsets before it.
    const twice = new Set(duplicated.slice(0, 5));
    expect(
      outcome.committed
        .filter((r) => twice.has(r.eventId))
        .map(
          (r) =>
            `${r.eventId} ${r.partition}@${r.offset} from ${r.source.partition}@${r.source.offset} by ${r.producer} at ${new Date(r.timestamp).toISOString()}`,
        ),
      'predictions of events seen more than once',
    ).toEqual([]);
    expect(strays).toEqual([]);
    expect(outcome.committed.length).toBe(outcome.events.length);
    // Each kill left a transaction open with predictions in it, which its restart aborted.
    expect(aborted).toBeGreaterThanOrEqual(outcome.kills.length);
    // Kafka's own consumer reads the same records.
    expect(outcome.java.processed).toBe(outcome.committed.length);
    expect(recordKeys(outcome.java.records)).toEqual(recordKeys(outcome.committed));
    expect(outcome.unexpectedExits).toEqual([]);
  });

  it('EXACTLY_ONCE=false under the same kills: nothing lost, but redone batches are predicted twice', { timeout: 480_000 }, async () => {
    const outcome = await runWithKills(false);
    const { missing, duplicated, strays } = tally(outcome);
    console.info(
      `at-least-once: ${outcome.events.length} events, ${outcome.kills.length} kills (${describeKills(outcome.kills)}), ` +
        `${outcome.committed.length} predictions, ${duplicated.length} events predicted more than once, console consumer ${outcome.java.processed}, ` +
        `unexpected exits: ${outcome.unexpectedExits.length}, ${outcome.seconds} s`,
    );
    expect(outcome.kills.length).toBe(KILLS);
    expect(missing.slice(0, 10)).toEqual([]);
    expect(strays).toEqual([]);
    // Each kill left predictions whose input offsets were not committed: the partition's next owner redoes them.
    expect(duplicated.length).toBeGreaterThanOrEqual(outcome.kills.length);
    expect(outcome.java.processed).toBe(outcome.committed.length);
    expect(recordKeys(outcome.java.records)).toEqual(recordKeys(outcome.committed));
    expect(outcome.unexpectedExits).toEqual([]);
  });
});
