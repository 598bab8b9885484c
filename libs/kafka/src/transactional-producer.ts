import type { Span } from '@opentelemetry/api';
import { Partitioners } from 'kafkajs';
import type { Logger } from 'pino';
import { connectOf, kafkajsOf, type KafkaClient } from './kafka-client.js';
import { platformaticSettingsOf } from './platformatic/client.js';
import { namingAuthFailure } from './platformatic/security.js';
import { connectPlatformaticTransactionalProducer } from './platformatic/transactional-producer.js';
import { toMessage, type OutgoingRecord } from './outgoing.js';
import { endSendSpans } from './trace-context.js';
import type { TopicPartitionOffset } from './types.js';

/**
 * One Kafka transaction: records and a group's offsets, visible to read-committed readers together
 * or not at all. Send spans of its records end when it commits or aborts, since that is when
 * readers can see the records (or know they never will).
 */
export interface KafkaTransaction {
  /** Adds records to the transaction, in one produce request. */
  send(batches: readonly { readonly topic: string; readonly records: readonly OutgoingRecord[] }[]): Promise<void>;
  /** Commits `offsets` (next offsets to consume) for `groupId` as part of the transaction. */
  sendOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void>;
  commit(): Promise<void>;
  /** Aborts; `cause` (what made the caller abort) marks the records' send spans as failed. */
  abort(cause?: unknown): Promise<void>;
}

/** A transactional producer: one open transaction at a time. */
export interface TransactionalProducer {
  readonly transactionalId: string;
  /** Begins a transaction. */
  transaction(): Promise<KafkaTransaction>;
  /** Disconnects; idempotent. */
  close(): Promise<void>;
}

/**
 * Connects the producer of exactly-once mode. `transactionalId` must be stable for a worker across
 * restarts: initializing it fences the previous incarnation and aborts its open transaction, so a
 * crashed worker's half-written batch never becomes visible to read-committed readers.
 */
export async function connectTransactionalProducer(opts: {
  kafka: KafkaClient;
  transactionalId: string;
  logger?: Logger;
}): Promise<TransactionalProducer> {
  const server = opts.kafka.server;
  const settings = platformaticSettingsOf(opts.kafka);
  if (settings)
    return connectPlatformaticTransactionalProducer({ settings, server, transactionalId: opts.transactionalId, logger: opts.logger }).catch(
      (err: unknown) => {
        throw namingAuthFailure(err, settings);
      },
    );
  const producer = kafkajsOf(opts.kafka).producer({
    transactionalId: opts.transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // murmur2 like the service's producer: a record lands on the partition its key maps to.
    createPartitioner: Partitioners.DefaultPartitioner,
    // An idempotent producer keeps retrying (kafkajs's rule): fewer retries could reorder or lose a batch.
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 1000 },
  });
  await connectOf(opts.kafka)(() => producer.connect());
  let closed: Promise<void> | undefined;
  return {
    transactionalId: opts.transactionalId,
    async transaction() {
      const txn = await producer.transaction();
      const spans: Span[] = [];
      return {
        async send(batches) {
          await txn.sendBatch({
            acks: -1,
            topicMessages: batches.map((b) => ({ topic: b.topic, messages: b.records.map((r) => toMessage(b.topic, r, spans, server)) })),
          });
        },
        async sendOffsets(groupId, offsets) {
          const byTopic = new Map<string, { partition: number; offset: string }[]>();
          for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), { partition: o.partition, offset: o.offset }]);
          await txn.sendOffsets({ consumerGroupId: groupId, topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) });
        },
        async commit() {
          await txn.commit();
          endSendSpans(spans.splice(0));
        },
        async abort(cause) {
          // Spans end as failed even when the abort itself fails: the records are not visible either way.
          try {
            await txn.abort();
          } finally {
            endSendSpans(spans.splice(0), cause ?? new Error('transaction aborted'));
          }
        },
      };
    },
    close() {
      closed ??= producer.disconnect().then(() => opts.logger?.debug('transactional producer disconnected'));
      return closed;
    },
  };
}
