import type { Span } from '@opentelemetry/api';
import { Partitioners, type RecordMetadata } from 'kafkajs';
import pRetry from 'p-retry';
import type { Logger } from 'pino';
import { chunkBySize, recordBytes } from './request-chunks.js';
import { batchTimingsFromEnv } from './batch-timings.js';
import { connectOf, kafkajsOf, type KafkaClient } from './kafka-client.js';
import { platformaticSettingsOf } from './platformatic/client.js';
import { createPlatformaticProducer } from './platformatic/producer.js';
import { endingSpans, toMessage, type OutgoingMessage, type OutgoingRecord } from './outgoing.js';
import { createSendQueue, type TopicMessages } from './send-queue.js';
import type { RecordAck } from './types.js';

export type { OutgoingRecord } from './outgoing.js';

export interface TidewaterProducer {
  /**
   * Connects; resolves once connected. Shared by concurrent callers; after a failure (Kafka
   * unreachable past the client's retries) the next call tries again.
   */
  start(): Promise<void>;
  /**
   * Produces to one topic and resolves once Kafka acknowledged every record (acks=all). Sends made
   * while another is in flight share the next request (send-queue.ts); the acks are that request's,
   * for this send's topics.
   */
  send(topic: string, records: readonly OutgoingRecord[]): Promise<RecordAck[]>;
  /**
   * Produces to several topics: in one request (with other sends queued meanwhile) when the records fit in `maxRequestBytes`, else in
   * consecutive requests (each partition keeps its order; a failure after the first request leaves
   * the earlier ones written, so a caller's redelivery may duplicate them, never lose them).
   */
  sendMany(batches: readonly { topic: string; records: readonly OutgoingRecord[] }[]): Promise<RecordAck[]>;
  /**
   * Makes sends waiting out an outage give up now: called when shutdown starts, so a consumer
   * draining its in-flight batch is not held by Kafka being down past the shutdown deadline.
   */
  stopResending(): void;
  /** Disconnects after in-flight sends; idempotent. */
  close(): Promise<void>;
}

// kafkajs error names (its own classes, stable across 2.x) meaning "no broker answered".
const UNREACHABLE = new Set(['KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSRequestTimeoutError']);

/**
 * True when kafkajs gave up because the cluster was unreachable. Its send retrier retries forever, but
 * the reconnect inside it has the client's bounded retries (about 50 s): once those run out, the send
 * rejects with a *non-retriable* error wrapping the connection error, so an outage would read as poison.
 */
function gaveUpOnOutage(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (UNREACHABLE.has(e.name)) return true;
  }
  return false;
}

/**
 * An idempotent producer (acks=all): kafkajs's own retries cannot write a record twice. Every
 * Tidewater service produces through one of these. A send outlasts an outage of any length; see
 * `untilAcknowledged` for the one case where a resend may duplicate.
 */
/** Default bound of one produce request's records: half the broker's default `message.max.bytes`. */
export const DEFAULT_MAX_REQUEST_BYTES = 512 * 1024;

/** `logger` gets the outage warnings; a tool without one (the demo) produces silently. */
export function createProducer(opts: { kafka: KafkaClient; logger?: Logger; maxRequestBytes?: number }): TidewaterProducer {
  const maxRequestBytes = opts.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const server = opts.kafka.server;
  const settings = platformaticSettingsOf(opts.kafka);
  if (settings) return createPlatformaticProducer({ settings, server, logger: opts.logger, maxRequestBytes });
  const producer = kafkajsOf(opts.kafka).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    // murmur2 on the key bytes, like the Java client: a key lands on the same partition whichever
    // Confluent-compatible client produced it.
    createPartitioner: Partitioners.DefaultPartitioner,
    // An idempotent producer keeps retrying (kafkajs's own rule); see untilAcknowledged for outages. The
    // 1 s cap (the client's, kafka-client.ts) resumes sends within a second of a broker coming back.
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 1000 },
    allowAutoTopicCreation: false,
  });
  const timings = opts.logger ? batchTimingsFromEnv(opts.logger.child({ component: 'producer' })) : undefined;
  if (timings)
    producer.on(producer.events.REQUEST, (e) => {
      timings.record(`request.${e.payload.apiName}`, e.payload.duration);
      if (e.payload.pendingDuration > 1) timings.record(`pending.${e.payload.apiName}`, e.payload.pendingDuration);
    });
  let started: Promise<void> | undefined;
  let closed: Promise<void> | undefined;
  let resending = true;
  // Keeps a send going through an outage of any length, as callers of an idempotent producer expect. A
  // resend after kafkajs gave up may duplicate the part of a multi-partition batch that was acknowledged
  // (at-least-once, like a redelivered consumer batch), never lose it.
  const untilAcknowledged = (send: () => Promise<RecordMetadata[]>): Promise<RecordMetadata[]> =>
    pRetry(send, {
      retries: Number.POSITIVE_INFINITY,
      minTimeout: 200,
      maxTimeout: 1000,
      shouldRetry: ({ error }) => resending && gaveUpOnOutage(error),
      onFailedAttempt: ({ error, attemptNumber }) => {
        if (resending && gaveUpOnOutage(error)) opts.logger?.warn({ err: error, attemptNumber }, 'Kafka unreachable; resending');
      },
    });
  /** One request when the batches fit in maxRequestBytes (the common case); otherwise one after another, so each partition keeps its order. */
  async function write(batches: readonly TopicMessages[]): Promise<RecordAck[]> {
    const all = batches.flatMap((b) => b.messages.map((message) => ({ topic: b.topic, message })));
    const chunks = chunkBySize(all, (m) => recordBytes(m.message), maxRequestBytes);
    const acks: RecordAck[] = [];
    for (const chunk of chunks) {
      const byTopic = new Map<string, OutgoingMessage[]>();
      for (const { topic, message } of chunk) {
        const list = byTopic.get(topic);
        if (list) list.push(message);
        else byTopic.set(topic, [message]);
      }
      const topicMessages = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
      acks.push(...(await untilAcknowledged(() => producer.sendBatch({ acks: -1, topicMessages }))));
    }
    return acks;
  }
  // Sends that arrive while a request is in flight go together in the next one (send-queue.ts).
  const queue = createSendQueue({ send: write, maxRequestBytes, isolate: (err) => !gaveUpOnOutage(err) });
  return {
    start() {
      started ??= connectOf(opts.kafka)(() => producer.connect()).catch((err: unknown) => {
        started = undefined;
        throw err;
      });
      return started;
    },
    async send(topic, records) {
      const spans: Span[] = [];
      const messages = records.map((r) => toMessage(topic, r, spans, server));
      return endingSpans(spans, () => queue.enqueue([{ topic, messages }]));
    },
    async sendMany(batches) {
      const spans: Span[] = [];
      const topicMessages = batches.map((b) => ({ topic: b.topic, messages: b.records.map((r) => toMessage(b.topic, r, spans, server)) }));
      return endingSpans(spans, () => queue.enqueue(topicMessages));
    },
    stopResending() {
      resending = false;
    },
    close() {
      resending = false;
      closed ??= producer.disconnect().then(() => opts.logger?.debug('producer disconnected'));
      return closed;
    },
  };
}
