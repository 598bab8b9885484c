import type { Span } from '@opentelemetry/api';
import { compatibilityPartitioner, Producer, ProduceAcks, type MessageToProduce, type ProduceResult } from '@platformatic/kafka';
import pRetry from 'p-retry';
import type { Logger } from 'pino';
import { endingSpans, toMessage, type OutgoingMessage } from '../outgoing.js';
import type { TidewaterProducer } from '../producer.js';
import { chunkBySize, recordBytes } from '../request-chunks.js';
import type { KafkaClientSettings } from '../kafka-client.js';
import type { SpanServer } from '../trace-context.js';
import type { RecordAck } from '../types.js';
import { baseOptions } from './client.js';
import { isUnreachable } from './errors.js';
import { toProduced } from './records.js';
import { namingAuthFailure } from './security.js';

/**
 * murmur2 of the key bytes masked to 31 bits, as the Java client and kafkajs's DefaultPartitioner
 * place keyed records; records without a key go round robin. (@platformatic/kafka's own default,
 * `murmur2(key) >>> 0`, places about half of all keys on another partition than Java does.)
 */
export function javaCompatiblePartitioner(): (message: MessageToProduce, key: Buffer | undefined) => number {
  const next = new Map<string, number>();
  return (message, key) => {
    if (key) return compatibilityPartitioner(message, key);
    const n = next.get(message.topic) ?? 0;
    next.set(message.topic, n + 1);
    return n;
  };
}

/** Producer options shared by the idempotent and the transactional producer. */
export function producerOptions(settings: KafkaClientSettings) {
  return {
    ...baseOptions(settings),
    idempotent: true,
    acks: ProduceAcks.ALL,
    autocreateTopics: false,
    partitioner: javaCompatiblePartitioner(),
    // Resends within one send: as the kafkajs producer's retry (200 ms doubling to 1 s, so sends resume
    // within a second of a broker coming back), bounded so an outage surfaces as an unreachable
    // error, which the send loop below keeps resending.
    retries: 10,
    retryDelay: (_c: unknown, _op: string, attempt: number) => Math.min(1000, 200 * 2 ** Math.max(0, attempt - 1)),
  };
}

export function toAcks(result: ProduceResult): RecordAck[] {
  return (result.offsets ?? []).map((o) => ({ topicName: o.topic, partition: o.partition, errorCode: 0, baseOffset: String(o.offset) }));
}

/** The idempotent producer of `createProducer` on @platformatic/kafka; same contract as the kafkajs one. */
export function createPlatformaticProducer(opts: {
  settings: KafkaClientSettings;
  server: SpanServer | undefined;
  logger?: Logger | undefined;
  maxRequestBytes: number;
}): TidewaterProducer {
  const { server, maxRequestBytes } = opts;
  const producer = new Producer(producerOptions(opts.settings));
  let started: Promise<void> | undefined;
  let closed: Promise<void> | undefined;
  let resending = true;
  const untilAcknowledged = (messages: MessageToProduce[]): Promise<RecordAck[]> =>
    pRetry(async () => toAcks(await producer.send({ messages })), {
      retries: Number.POSITIVE_INFINITY,
      minTimeout: 200,
      maxTimeout: 5000,
      shouldRetry: ({ error }) => resending && isUnreachable(error),
      onFailedAttempt: ({ error, attemptNumber }) => {
        if (resending && isUnreachable(error)) opts.logger?.warn({ err: error, attemptNumber }, 'Kafka unreachable; resending');
      },
    });
  const sendChunks = async (all: readonly { topic: string; message: OutgoingMessage }[]): Promise<RecordAck[]> => {
    const chunks = chunkBySize(all, (m) => recordBytes(m.message), maxRequestBytes);
    const acks: RecordAck[] = [];
    // One request when it fits (the common case); otherwise one after another, so each partition keeps its order.
    try {
      for (const chunk of chunks) acks.push(...(await untilAcknowledged(chunk.map((m) => toProduced(m.topic, m.message)))));
    } catch (err) {
      throw namingAuthFailure(err, opts.settings);
    }
    return acks;
  };
  return {
    start() {
      started ??= producer
        .initIdempotentProducer({ idempotent: true, acks: ProduceAcks.ALL })
        .then(() => undefined)
        .catch((err: unknown) => {
          started = undefined;
          throw namingAuthFailure(err, opts.settings);
        });
      return started;
    },
    async send(topic, records) {
      const spans: Span[] = [];
      const messages = records.map((r) => ({ topic, message: toMessage(topic, r, spans, server) }));
      return endingSpans(spans, () => sendChunks(messages));
    },
    async sendMany(batches) {
      const spans: Span[] = [];
      const messages = batches.flatMap((b) => b.records.map((r) => ({ topic: b.topic, message: toMessage(b.topic, r, spans, server) })));
      return endingSpans(spans, () => sendChunks(messages));
    },
    stopResending() {
      resending = false;
    },
    close() {
      resending = false;
      closed ??= producer.close().then(() => opts.logger?.debug('producer disconnected'));
      return closed;
    },
  };
}
