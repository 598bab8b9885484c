import type { OutgoingRecord, TidewaterProducer, TopicPartitionOffset, TransactionalProducer } from '@tidewater/kafka';
import { inferenceErrors } from '../batching/errors.js';

/** Records for one topic. */
export interface TopicRecords {
  readonly topic: string;
  readonly records: readonly OutgoingRecord[];
}

/** The next offset to consume of one input partition (last processed + 1). */
export type NextOffset = TopicPartitionOffset;

export interface Outbox {
  /**
   * Delivers the records; in exactly-once mode commits `offsets` for the group in the same
   * transaction. Resolves once Kafka acknowledged (committed) them.
   */
  deliver(batches: readonly TopicRecords[], offsets: readonly NextOffset[]): Promise<void>;
}

interface Pending {
  readonly batches: readonly TopicRecords[];
  readonly offsets: readonly NextOffset[];
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Coalesces deliveries of concurrent partition batches: one produce request (or one transaction)
 * at a time carries everything queued while the previous one was in flight. Fewer, larger
 * requests is where kafkajs's throughput is, and exactly-once mode needs it anyway: a
 * transactional producer runs one transaction at a time.
 */
function coalescing(flush: (items: readonly Pending[]) => Promise<void>): Outbox {
  let queue: Pending[] = [];
  let busy = false;
  async function pump(): Promise<void> {
    busy = true;
    // Let the other partitions' batches scored in the same run join this request.
    await new Promise<void>((r) => setImmediate(r));
    while (queue.length > 0) {
      const items = queue;
      queue = [];
      try {
        await flush(items);
        for (const i of items) i.resolve();
      } catch (err) {
        for (const i of items) i.reject(err);
      }
    }
    busy = false;
  }
  return {
    deliver(batches, offsets) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ batches, offsets, resolve, reject });
        if (!busy) void pump();
      });
    },
  };
}

function mergeByTopic(items: readonly Pending[]): TopicRecords[] {
  const byTopic = new Map<string, OutgoingRecord[]>();
  for (const item of items) {
    for (const b of item.batches) {
      let list = byTopic.get(b.topic);
      if (!list) byTopic.set(b.topic, (list = []));
      for (const r of b.records) list.push(r);
    }
  }
  return [...byTopic].map(([topic, records]) => ({ topic, records }));
}

/** At-least-once: produce through the service's idempotent producer; the consumer runner commits offsets afterwards. */
export function createProducerOutbox(producer: TidewaterProducer): Outbox {
  return coalescing(async (items) => {
    const batches = mergeByTopic(items).filter((b) => b.records.length > 0);
    if (batches.length > 0) await producer.sendMany(batches);
  });
}

/**
 * Exactly-once: each flush is one Kafka transaction holding the predictions and the group's
 * next offsets (consume-transform-produce). A read-committed reader sees a batch's predictions
 * only if its offsets were committed with them; an aborted or crashed transaction leaves neither.
 * `afterCommit` runs once a transaction committed, before its callers are told (see
 * offsets-visible.ts); it must not reject, since a committed batch must not be retried.
 */
export function createTransactionalOutbox(
  producer: Pick<TransactionalProducer, 'transaction'>,
  groupId: string,
  afterCommit?: (offsets: readonly NextOffset[]) => Promise<void>,
): Outbox {
  return coalescing(async (items) => {
    const batches = mergeByTopic(items);
    const offsets = new Map<string, Map<number, NextOffset>>();
    for (const item of items) {
      for (const o of item.offsets) {
        let partitions = offsets.get(o.topic);
        if (!partitions) offsets.set(o.topic, (partitions = new Map()));
        const seen = partitions.get(o.partition);
        if (!seen || BigInt(seen.offset) < BigInt(o.offset)) partitions.set(o.partition, o);
      }
    }
    const committed = [...offsets.values()].flatMap((partitions) => [...partitions.values()]);
    // The records' send spans end when the transaction commits (or aborts): that is when readers can see them.
    const txn = await producer.transaction();
    try {
      await txn.send(batches);
      await txn.sendOffsets(groupId, committed);
      await txn.commit();
    } catch (cause) {
      await txn.abort(cause).catch(() => undefined);
      throw inferenceErrors.create('TW_INFER_TRANSACTION_FAILED', 'the transaction of a prediction batch failed and was aborted', {
        cause,
      });
    }
    await afterCommit?.(committed);
  });
}
