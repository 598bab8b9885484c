import { SpanStatusCode, type Context, type Span } from '@opentelemetry/api';
import pRetry from 'p-retry';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { TidewaterError } from '@tidewater/errors';
import { kafkaMetrics } from './kafka-metrics.js';
import { batchTimingsFromEnv } from './batch-timings.js';
import { createConsumerLagProbe } from './consumer-lag.js';
import { describeError, type DeadLetter, type DeadLetterWriter } from './dead-letter.js';
import { kafkaErrors } from './errors.js';
import type { KafkaConsumerOptions } from './consumer.js';
import type { BatchConsumer, BatchPayload } from './batch-consumer.js';
import { consumerDefaultsOf, kafkajsOf, type KafkaClient } from './kafka-client.js';
import { kafkajsBatchConsumer } from './kafkajs/batch-consumer.js';
import { platformaticSettingsOf } from './platformatic/client.js';
import { platformaticGroupConsumer } from './platformatic/group-consumer.js';
import { namingAuthFailures } from './platformatic/security.js';
import { startProcessSpan } from './trace-context.js';
import type { KafkaHeaders, KafkaRecord, TopicPartitions } from './types.js';

/** A consumed record after decoding, with its process span. */
export interface ConsumedRecord<T> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: T;
  readonly headers: KafkaHeaders;
  readonly message: KafkaRecord;
  readonly span: Span;
  /** Context holding the process span; pass it to outgoing records to continue the trace. */
  readonly context: Context;
}

export interface BatchTools<T> {
  /** Marks one record as poison: it goes to the dead-letter topic with the error's code, not to the output. */
  deadLetter(record: ConsumedRecord<T>, err: unknown): void;
  /** Tells the group this member is alive; call it between slow steps of a long batch. */
  heartbeat(): Promise<void>;
  /** Records how long a step of the handler took, when batch timings are on (TW_BATCH_TIMINGS_MS). */
  timing(stage: string, ms: number): void;
}

/**
 * Poison is what only a non-retriable TidewaterError says: the record itself is bad. Anything
 * else (a Redis blip, an unclassified library error) is treated as transient and retried, then
 * redelivered, so infrastructure trouble never sends good records to the dead-letter topic.
 */
function isPoison(err: unknown): boolean {
  return err instanceof TidewaterError && !err.retriable;
}

/** The consumer settings a service may tune. */
export type ConsumerTuning = Partial<Omit<KafkaConsumerOptions, 'groupId'>>;

export interface ConsumerRunnerOptions<T> {
  readonly kafka: KafkaClient;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly logger: Logger;
  readonly registry: Registry;
  /** Decodes one message; throwing a non-retriable error dead-letters it with the error's code. */
  readonly decode: (message: KafkaRecord, topic: string) => T;
  /** Optional async warm-up per batch (fetch unknown schema ids) so `decode` stays synchronous. */
  readonly prepare?: (messages: readonly KafkaRecord[], topic: string) => Promise<void>;
  /** Processes decoded records; resolve only once outputs are acknowledged by Kafka. */
  readonly handle: (records: readonly ConsumedRecord<T>[], tools: BatchTools<T>) => Promise<void>;
  readonly deadLetters: DeadLetterWriter;
  readonly fromBeginning?: boolean;
  readonly retry?: { readonly retries?: number; readonly minTimeoutMs?: number; readonly maxTimeoutMs?: number };
  /** Fetch and session settings over the runner's defaults (250 ms fetch wait, 10 s session). */
  readonly consumer?: ConsumerTuning;
  readonly partitionsConsumedConcurrently?: number;
  /** How often to probe the group's lag (`tw_kafka_consumer_lag`); 0 turns the probe off. Default 15 s. */
  readonly lagProbeIntervalMs?: number;
}

export interface ConsumerRunner {
  start(): Promise<void>;
  /** Resolves once this member has been assigned partitions for the first time. */
  assigned(): Promise<void>;
  /** Calls `listener` each time this member joins its group, with or without partitions. */
  onGroupJoin(listener: () => void): void;
  /** Resolves with the error when the consumer crashed and the client will not restart it. */
  crashed(): Promise<unknown>;
  /** Stops fetching these partitions (records already fetched are still handed over) until resumed. */
  pause(partitions: readonly TopicPartitions[]): void;
  resume(partitions: readonly TopicPartitions[]): void;
  /** Stops fetching, finishes the in-flight batch, commits, leaves the group; idempotent. */
  close(): Promise<void>;
}

/**
 * Runs a consumer group member: fetches batches, decodes, hands records to the service,
 * dead-letters poison records with their original bytes, retries retriable failures with
 * backoff, and resolves an offset only after its record was fully processed, so kafkajs
 * commits processed offsets only (at-least-once).
 */
export function createConsumerRunner<T>(opts: ConsumerRunnerOptions<T>): ConsumerRunner {
  const { consumer, commitIntervalMs } = groupConsumer(opts);
  const metrics = kafkaMetrics(opts.registry);
  const server = opts.kafka.server;
  const log = opts.logger.child({ component: 'consumer', groupId: opts.groupId });
  const lag = createConsumerLagProbe({
    kafka: opts.kafka,
    groupId: opts.groupId,
    topics: opts.topics,
    registry: opts.registry,
    logger: opts.logger,
    ...(opts.lagProbeIntervalMs === undefined ? {} : { intervalMs: opts.lagProbeIntervalMs }),
  });
  const timings = batchTimingsFromEnv(log);
  let fetchedAt = 0;
  // Only with timings on: the listeners run on every request and fetch, on the hot path.
  if (timings)
    consumer.onTiming?.((stage, ms) => {
      if (stage === 'fetch') fetchedAt = performance.now();
      timings.record(stage, ms);
    });
  let started: Promise<void> | undefined;
  let closed: Promise<void> | undefined;
  let onAssigned: () => void = () => undefined;
  const assignedOnce = new Promise<void>((resolve) => (onAssigned = resolve));
  let onCrashed: (err: unknown) => void = () => undefined;
  const crashedOnce = new Promise<unknown>((resolve) => (onCrashed = resolve));
  consumer.onCrash((error, restart) => {
    log.error({ err: error, restart }, 'consumer crashed');
    if (!restart) onCrashed(error);
  });
  consumer.onGroupJoin((assignment) => {
    log.info({ assignment }, 'joined group');
    if (Object.values(assignment).some((p) => p.length > 0)) onAssigned();
  });

  // Errors a heartbeat threw because the group is rebalancing, has dropped this member or took the
  // partition away. Retrying the batch cannot help (its offsets are no longer this member's to
  // commit, and its outputs would be made twice), so it is abandoned and the error reaches the
  // client unwrapped, which rejoins the group. Other heartbeat errors (a broker unreachable) are
  // retried like any transient failure.
  const fromHeartbeat = new WeakSet<object>();
  const heartbeatOf = (payload: BatchPayload) => () =>
    payload.heartbeat().catch((err: unknown) => {
      if (isMembershipLost(err)) fromHeartbeat.add(err);
      throw err;
    });

  const worthRetrying = (error: Error) => !isPoison(error) && !fromHeartbeat.has(error) && closed === undefined;
  const retrying = <R>(topic: string, heartbeat: () => Promise<void>, fn: () => Promise<R>) =>
    pRetry(fn, {
      retries: opts.retry?.retries ?? 5,
      minTimeout: opts.retry?.minTimeoutMs ?? 200,
      maxTimeout: opts.retry?.maxTimeoutMs ?? 5000,
      randomize: true,
      shouldRetry: ({ error }) => worthRetrying(error),
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft > 0 && worthRetrying(error)) {
          metrics.retries.inc({ topic });
          log.warn({ err: error, topic, attemptNumber }, 'transient failure; backing off');
          // Backing off can outlast the session timeout: stay in the group meanwhile. A heartbeat that
          // says the partitions moved ends the retries (p-retry rejects with it).
          await heartbeat().catch((err: unknown) => {
            if (isMembershipLost(err)) throw err;
          });
        }
      },
    });

  async function handleAll(
    records: ConsumedRecord<T>[],
    letters: DeadLetter[],
    topic: string,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const poisoned = new Map<ConsumedRecord<T>, unknown>();
    const tools: BatchTools<T> = {
      deadLetter: (r, err) => void poisoned.set(r, err),
      heartbeat,
      timing: (stage, ms) => timings?.record(stage, ms),
    };
    try {
      // Marks made by an attempt that then failed are void, like its outputs: each attempt judges afresh.
      await retrying(topic, heartbeat, () => {
        poisoned.clear();
        return opts.handle(records, tools);
      });
    } catch (err) {
      if (typeof err === 'object' && err !== null && fromHeartbeat.has(err)) throw err;
      if (!isPoison(err)) throw kafkaErrors.create('TW_KAFKA_RETRIES_EXHAUSTED', `batch from ${topic} kept failing`, { cause: err });
      if (records.length === 1) {
        poisoned.set(records[0]!, err);
      } else {
        // One bad record must not sink its neighbours: replay one at a time to find it.
        log.warn({ err, topic, records: records.length }, 'batch failed; retrying records one by one');
        for (const r of records) await handleAll([r], letters, topic, heartbeat);
        return;
      }
    }
    for (const [r, err] of poisoned) {
      const error = describeError(err, 'TW_KAFKA_HANDLER_FAILED');
      letters.push(toLetter(r.message, r.topic, r.partition, error));
      r.span.setStatus({ code: SpanStatusCode.ERROR, message: error.code });
    }
  }

  async function eachBatch(payload: BatchPayload): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    if (batch.messages.length === 0) return;
    const timer = metrics.batchSeconds.startTimer({ topic });
    const t0 = timings ? performance.now() : 0;
    if (timings) {
      // Age of the batch's oldest and newest record (producer timestamps, same machine) as it starts.
      const now = Date.now();
      timings.record('age.first', now - Number(batch.messages[0]!.timestamp));
      timings.record('age.last', now - Number(batch.messages[batch.messages.length - 1]!.timestamp));
      if (fetchedAt > 0) timings.record('queued', t0 - fetchedAt);
      timings.record('records', batch.messages.length);
    }
    metrics.consumed.inc({ topic }, batch.messages.length);
    const heartbeat = heartbeatOf(payload);
    const letters: DeadLetter[] = [];
    const records: ConsumedRecord<T>[] = [];
    try {
      // A heartbeat that is due goes first: a member the group has dropped (cut off from Kafka past its
      // session) learns it here and rejoins, instead of processing a batch it can no longer commit and
      // whose outputs the partition's next owner makes again (issue 23: 6,379 duplicates from a 20 s cut).
      await heartbeat();
      if (opts.prepare) {
        // A failure here (registry down) surfaces below as decode's retriable error, which redelivers the batch.
        await retrying(topic, heartbeat, () => opts.prepare!(batch.messages, topic)).catch((err: unknown) => {
          log.warn({ err, topic }, 'prepare failed');
        });
      }
      for (const message of batch.messages) {
        let value: T;
        try {
          value = opts.decode(message, topic);
        } catch (err) {
          if (!isPoison(err)) throw err; // e.g. registry down: redeliver the batch rather than dead-letter good data
          letters.push(toLetter(message, topic, partition, describeError(err, 'TW_KAFKA_HANDLER_FAILED')));
          continue;
        }
        const { span, context } = startProcessSpan(
          { topic, partition, offset: message.offset, headers: message.headers, key: message.key },
          opts.groupId,
          server,
        );
        records.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key,
          value,
          headers: message.headers ?? {},
          message,
          span,
          context,
        });
      }

      if (!payload.isRunning() || payload.isStale()) return;
      const t1 = timings ? performance.now() : 0;
      timings?.record('decode', t1 - t0);
      if (records.length > 0) await handleAll(records, letters, topic, heartbeat);
      timings?.record('handle', performance.now() - t1);
      if (letters.length > 0) {
        await retrying(topic, heartbeat, () => opts.deadLetters.write(letters)).catch((cause: unknown) => {
          throw kafkaErrors.create('TW_KAFKA_DEAD_LETTER_FAILED', `cannot write ${letters.length} record(s) to ${opts.deadLetters.topic}`, {
            cause,
          });
        });
        for (const l of letters)
          log.warn(
            {
              topic,
              partition,
              offset: l.source.kind === 'kafka' ? l.source.offset : undefined,
              code: l.error.code,
              reason: l.error.message,
            },
            'record dead-lettered',
          );
      }
      payload.resolveOffset(batch.lastOffset());
      metrics.processed.inc({ topic, outcome: 'dead_letter' }, letters.length);
      metrics.processed.inc({ topic, outcome: 'ok' }, batch.messages.length - letters.length);
      await payload.heartbeat();
    } finally {
      for (const r of records) r.span.end();
      timer();
      timings?.record('batch', performance.now() - t0);
    }
  }

  return {
    start() {
      started ??= (async () => {
        // Started before connecting, so a broker that cannot be reached shows as probe failures too.
        lag.start();
        await consumer.connect();
        await consumer.subscribe({ topics: [...opts.topics], fromBeginning: opts.fromBeginning ?? true });
        await consumer.run({
          autoCommit: true,
          ...(commitIntervalMs > 0 ? { autoCommitIntervalMs: commitIntervalMs } : {}),
          partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently ?? 1,
          eachBatch,
        });
        log.info({ topics: opts.topics }, 'consumer running');
      })();
      return started;
    },
    assigned: () => assignedOnce,
    onGroupJoin: (listener) => consumer.onGroupJoin(() => listener()),
    crashed: () => crashedOnce,
    pause: (parts) => consumer.pause(parts),
    resume: (parts) => consumer.resume(parts),
    close() {
      closed ??= (async () => {
        // A close during start must not race it: let start finish (or fail) first.
        await started?.catch(() => undefined);
        // kafkajs's disconnect stops fetching, waits for the in-flight batch, commits resolved offsets and leaves the group.
        try {
          await consumer.disconnect();
        } finally {
          timings?.close();
          await lag.close();
        }
        log.info('consumer closed');
      })();
      return closed;
    },
  };
}

/**
 * How often a runner commits by default: every 1000 ms (and on stop and before re-joining a
 * rebalancing group), not after every batch. An awaited OffsetCommit after every batch is a round
 * trip inside every fetch cycle (kafkajs fetches again only once each batch of the last fetch is
 * done) and about half of a service's requests to Kafka; taking it out lowered the pipeline's
 * end-to-end latency on a quiet machine (figures: docs/benchmarks/pipeline.md, "The commit interval
 * on a quiet machine" and "The 1 s default on a quiet machine"). The price (docs/adr/0011-commit-interval-1s.md): a
 * crashed member's partitions redo up to an interval of records, and lag read from committed
 * offsets (tw_kafka_consumer_lag, KEDA's trigger) includes up to an interval of processed records.
 * 0 commits after every batch. kafkajs only: @platformatic/kafka's runner commits every batch.
 */
export const defaultCommitIntervalMs = 1000;

/** The group consumer of the client library behind `opts.kafka`, with the runner's defaults. */
function groupConsumer<T>(opts: ConsumerRunnerOptions<T>): { consumer: BatchConsumer; commitIntervalMs: number } {
  const platformatic = platformaticSettingsOf(opts.kafka);
  const settings = {
    groupId: opts.groupId,
    // Short timeouts make rebalances take seconds, not the ~30 s of kafkajs's defaults.
    sessionTimeout: 10_000,
    rebalanceTimeout: 10_000,
    heartbeatInterval: 1_000,
    // kafkajs waits up to 5 s on an empty fetch by default; each hop of the pipeline would add it.
    maxWaitTimeInMs: 250,
    ...(platformatic ? platformatic.consumerDefaults : consumerDefaultsOf(opts.kafka)),
    ...opts.consumer,
  };
  if (platformatic)
    return {
      consumer: namingAuthFailures(
        platformaticGroupConsumer(platformatic, settings, opts.logger.child({ component: 'consumer', groupId: opts.groupId })),
        platformatic,
        ['connect', 'run'],
      ),
      commitIntervalMs: 0,
    };
  const { commitIntervalMs = defaultCommitIntervalMs, ...kafkajsSettings } = settings;
  return {
    consumer: kafkajsBatchConsumer(kafkajsOf(opts.kafka).consumer({ ...kafkajsSettings, allowAutoTopicCreation: false })),
    commitIntervalMs,
  };
}

// kafkajs's own test for a rebalance (`isRebalancing`), its UNKNOWN_MEMBER_ID, and the adapter's
// TW_KAFKA_PARTITION_REVOKED (@platformatic/kafka heartbeats on its own timer).
const membershipLostTypes = new Set(['REBALANCE_IN_PROGRESS', 'NOT_COORDINATOR_FOR_GROUP', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);

function isMembershipLost(err: unknown): err is object {
  if (typeof err !== 'object' || err === null) return false;
  if (kafkaErrors.is(err, 'TW_KAFKA_PARTITION_REVOKED')) return true;
  const type = (err as { type?: unknown }).type;
  return typeof type === 'string' && membershipLostTypes.has(type);
}

function toLetter(message: KafkaRecord, topic: string, partition: number, error: DeadLetter['error']): DeadLetter {
  return {
    key: message.key,
    value: message.value,
    ...(message.headers ? { headers: message.headers } : {}),
    source: { kind: 'kafka', topic, partition, offset: message.offset },
    error,
  };
}
