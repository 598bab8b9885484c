import { SpanStatusCode, type Context, type Span } from '@opentelemetry/api';
import type { Consumer, ConsumerConfig, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import pRetry from 'p-retry';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { isRetriable } from '@tidewater/errors';
import { kafkaMetrics } from './kafka-metrics.js';
import { describeError, type DeadLetter, type DeadLetterWriter } from './dead-letter.js';
import { kafkaErrors } from './errors.js';
import { startProcessSpan } from './trace-context.js';

/** A consumed record after decoding, with its process span. */
export interface ConsumedRecord<T> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: T;
  readonly headers: IHeaders;
  readonly message: KafkaMessage;
  readonly span: Span;
  /** Context holding the process span; pass it to outgoing records to continue the trace. */
  readonly context: Context;
}

export interface BatchTools<T> {
  /** Marks one record as poison: it goes to the dead-letter topic with the error's code, not to the output. */
  deadLetter(record: ConsumedRecord<T>, err: unknown): void;
}

export interface ConsumerRunnerOptions<T> {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly logger: Logger;
  readonly registry: Registry;
  /** Decodes one message; throwing a non-retriable error dead-letters it with the error's code. */
  readonly decode: (message: KafkaMessage, topic: string) => T;
  /** Optional async warm-up per batch (fetch unknown schema ids) so `decode` stays synchronous. */
  readonly prepare?: (messages: readonly KafkaMessage[]) => Promise<void>;
  /** Processes decoded records; resolve only once outputs are acknowledged by Kafka. */
  readonly handle: (records: readonly ConsumedRecord<T>[], tools: BatchTools<T>) => Promise<void>;
  readonly deadLetters: DeadLetterWriter;
  readonly fromBeginning?: boolean;
  readonly retry?: { readonly retries?: number; readonly minTimeoutMs?: number; readonly maxTimeoutMs?: number };
  readonly consumer?: Partial<ConsumerConfig>;
  readonly partitionsConsumedConcurrently?: number;
}

export interface ConsumerRunner {
  start(): Promise<void>;
  /** Resolves once this member has been assigned partitions for the first time. */
  assigned(): Promise<void>;
  /** Stops fetching, finishes the in-flight batch, commits, leaves the group; idempotent. */
  close(): Promise<void>;
  readonly consumer: Consumer;
}

/**
 * Runs a consumer group member: fetches batches, decodes, hands records to the service,
 * dead-letters poison records with their original bytes, retries retriable failures with
 * backoff, and resolves an offset only after its record was fully processed, so kafkajs
 * commits processed offsets only (at-least-once).
 */
export function createConsumerRunner<T>(opts: ConsumerRunnerOptions<T>): ConsumerRunner {
  const consumer = opts.kafka.consumer({
    groupId: opts.groupId,
    // Short timeouts make rebalances take seconds, not the ~30 s of kafkajs's defaults.
    sessionTimeout: 10_000,
    rebalanceTimeout: 10_000,
    heartbeatInterval: 1_000,
    // kafkajs waits up to 5 s on an empty fetch by default; each hop of the pipeline would add it.
    maxWaitTimeInMs: 250,
    allowAutoTopicCreation: false,
    ...opts.consumer,
  });
  const metrics = kafkaMetrics(opts.registry);
  const log = opts.logger.child({ component: 'consumer', groupId: opts.groupId });
  let closing = false;
  let started: Promise<void> | undefined;
  let closed: Promise<void> | undefined;
  let onAssigned: () => void = () => undefined;
  const assignedOnce = new Promise<void>((resolve) => (onAssigned = resolve));
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    log.info({ assignment: e.payload.memberAssignment }, 'joined group');
    if (Object.values(e.payload.memberAssignment).some((p) => p.length > 0)) onAssigned();
  });

  const retrying = <R>(topic: string, fn: () => Promise<R>) =>
    pRetry(fn, {
      retries: opts.retry?.retries ?? 5,
      minTimeout: opts.retry?.minTimeoutMs ?? 200,
      maxTimeout: opts.retry?.maxTimeoutMs ?? 5000,
      randomize: true,
      shouldRetry: ({ error }) => isRetriable(error) && !closing,
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft > 0 && isRetriable(error) && !closing) {
          metrics.retries.inc({ topic });
          log.warn({ err: error, topic, attemptNumber }, 'retriable failure; backing off');
        }
      },
    });

  async function handleAll(records: ConsumedRecord<T>[], letters: DeadLetter[], topic: string): Promise<void> {
    const poisoned = new Map<ConsumedRecord<T>, unknown>();
    const tools: BatchTools<T> = { deadLetter: (r, err) => void poisoned.set(r, err) };
    try {
      // Marks made by an attempt that then failed are void, like its outputs: each attempt judges afresh.
      await retrying(topic, () => {
        poisoned.clear();
        return opts.handle(records, tools);
      });
    } catch (err) {
      if (isRetriable(err)) throw kafkaErrors.create('TW_KAFKA_RETRIES_EXHAUSTED', `batch from ${topic} kept failing`, { cause: err });
      if (records.length === 1) {
        poisoned.set(records[0]!, err);
      } else {
        // One bad record must not sink its neighbours: replay one at a time to find it.
        log.warn({ err, topic, records: records.length }, 'batch failed; retrying records one by one');
        poisoned.clear();
        for (const r of records) await handleAll([r], letters, topic);
        return;
      }
    }
    for (const [r, err] of poisoned) {
      letters.push(toLetter(r.message, r.topic, r.partition, describeError(err, 'TW_KAFKA_HANDLER_FAILED')));
      r.span.setStatus({ code: SpanStatusCode.ERROR, message: describeError(err, 'TW_KAFKA_HANDLER_FAILED').code });
    }
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    if (batch.messages.length === 0) return;
    const timer = metrics.batchSeconds.startTimer({ topic });
    metrics.consumed.inc({ topic }, batch.messages.length);
    if (opts.prepare) await retrying(topic, () => opts.prepare!(batch.messages)).catch(() => undefined);

    const letters: DeadLetter[] = [];
    const records: ConsumedRecord<T>[] = [];
    for (const message of batch.messages) {
      let value: T;
      try {
        value = opts.decode(message, topic);
      } catch (err) {
        if (isRetriable(err)) throw err; // e.g. registry down: redeliver the batch rather than dead-letter good data
        letters.push(toLetter(message, topic, partition, describeError(err, 'TW_KAFKA_HANDLER_FAILED')));
        continue;
      }
      const { span, context } = startProcessSpan({ topic, partition, offset: message.offset, headers: message.headers }, opts.groupId);
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

    try {
      if (!payload.isRunning() || payload.isStale()) return;
      if (records.length > 0) await handleAll(records, letters, topic);
      if (letters.length > 0) {
        await retrying(topic, () => opts.deadLetters.write(letters)).catch((cause: unknown) => {
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
    }
  }

  return {
    consumer,
    start() {
      started ??= (async () => {
        await consumer.connect();
        await consumer.subscribe({ topics: [...opts.topics], fromBeginning: opts.fromBeginning ?? true });
        await consumer.run({
          eachBatchAutoResolve: false,
          autoCommit: true,
          partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently ?? 1,
          eachBatch,
        });
        log.info({ topics: opts.topics }, 'consumer running');
      })();
      return started;
    },
    assigned: () => assignedOnce,
    close() {
      closed ??= (async () => {
        closing = true;
        // kafkajs's disconnect stops fetching, waits for the in-flight batch, commits resolved offsets and leaves the group.
        await consumer.disconnect();
        log.info('consumer closed');
      })();
      return closed;
    },
  };
}

function toLetter(message: KafkaMessage, topic: string, partition: number, error: DeadLetter['error']): DeadLetter {
  return {
    key: message.key,
    value: message.value,
    ...(message.headers ? { headers: message.headers } : {}),
    source: { kind: 'kafka', topic, partition, offset: message.offset },
    error,
  };
}
