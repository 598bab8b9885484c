import type { Span } from '@opentelemetry/api';
import { Admin, FindCoordinatorKeyTypes, Producer, type Message } from '@platformatic/kafka';

type Transaction = Awaited<ReturnType<Producer['beginTransaction']>>;
import type { Logger } from 'pino';
import type { KafkaClientSettings } from '../kafka-client.js';
import { toMessage } from '../outgoing.js';
import type { SpanServer } from '../trace-context.js';
import { endSendSpans } from '../trace-context.js';
import type { TransactionalProducer } from '../transactional-producer.js';
import { baseOptions } from './client.js';
import { committedInTransaction, handedOverBy, liveMemberOf, type GroupMember } from './group-consumer.js';
import { producerOptions } from './producer.js';
import { toProduced } from './records.js';

/**
 * The group's member and generation for TxnOffsetCommit of records no consumer here handed over:
 * the live consumer's, else none (generation -1).
 */
async function groupMember(settings: KafkaClientSettings, groupId: string): Promise<GroupMember> {
  const live = liveMemberOf(groupId);
  if (live?.memberId && live.coordinatorId !== null) {
    return { groupId, memberId: live.memberId, generationId: live.generationId, coordinatorId: live.coordinatorId };
  }
  const admin = new Admin(baseOptions(settings));
  try {
    const [found] = await admin.findCoordinator({ keyType: FindCoordinatorKeyTypes.GROUP, keys: [groupId] });
    return { groupId, memberId: '', generationId: -1, coordinatorId: found!.nodeId };
  } finally {
    await admin.close();
  }
}

/** `connectTransactionalProducer` on @platformatic/kafka; same contract as the kafkajs one. */
export async function connectPlatformaticTransactionalProducer(opts: {
  settings: KafkaClientSettings;
  server: SpanServer | undefined;
  transactionalId: string;
  logger?: Logger | undefined;
}): Promise<TransactionalProducer> {
  const { server, settings } = opts;
  const producer = new Producer({
    ...producerOptions(settings),
    transactionalId: opts.transactionalId,
    // InitProducerId sends these; the library's defaults (0, 0) make the broker answer PRODUCER_FENCED
    // to a new incarnation of a transactional id it knows, so a restarted worker could never start.
    // -1/-1 asks for the id as a new producer does (KIP-360).
    producerId: -1n,
    producerEpoch: -1,
  });
  const begin = async (): Promise<Transaction> => {
    try {
      return await producer.beginTransaction();
    } catch (err) {
      // A failed begin leaves the library's transaction slot taken ("already an active transaction"): free it.
      await producer.transaction?.cancel();
      throw err;
    }
  };
  // InitProducerId with the transactional id (the library does it in the first begin): fences the
  // previous incarnation and aborts its open transaction, before this one writes anything.
  await (await begin()).cancel();
  let closed: Promise<void> | undefined;
  return {
    transactionalId: opts.transactionalId,
    async transaction() {
      const txn: Transaction = await begin();
      const spans: Span[] = [];
      const offsetsSent: { groupId: string; topic: string; partition: number; offset: bigint }[] = [];
      return {
        async send(batches) {
          const messages = batches.flatMap((b) => b.records.map((r) => toProduced(b.topic, toMessage(b.topic, r, spans, server))));
          if (messages.length > 0) await txn.send({ messages });
        },
        async sendOffsets(groupId, offsets) {
          if (offsets.length === 0) return;
          await txn.addConsumer({ groupId } as Parameters<Transaction['addConsumer']>[0]);
          let fallback: GroupMember | undefined;
          // One TxnOffsetCommit per partition, one after another: the library deduplicates concurrent ones.
          for (const o of offsets) {
            // The generation in which the partition's records were handed over: if the group has
            // moved on since, the partition may be another member's now and the broker must refuse
            // the commit (ILLEGAL_GENERATION; the transaction aborts and the batch is redone).
            const member = handedOverBy(groupId, o.topic, o.partition) ?? (fallback ??= await groupMember(settings, groupId));
            const message = {
              topic: o.topic,
              partition: o.partition,
              offset: BigInt(o.offset) - 1n, // the library commits the offset after the message's
              metadata: { consumer: member },
            } as unknown as Message;
            await txn.addOffset(message);
            offsetsSent.push({ groupId, topic: o.topic, partition: o.partition, offset: BigInt(o.offset) });
          }
        },
        async commit() {
          await txn.commit();
          // The group's consumer here does not commit these again outside a transaction.
          for (const o of offsetsSent) committedInTransaction(o.groupId, o.topic, o.partition, o.offset);
          endSendSpans(spans.splice(0));
        },
        async abort(cause) {
          try {
            await txn.abort();
          } catch (err) {
            await txn.cancel(); // the next transaction must be able to begin
            throw err;
          } finally {
            endSendSpans(spans.splice(0), cause ?? new Error('transaction aborted'));
          }
        },
      };
    },
    close() {
      closed ??= producer.close().then(() => opts.logger?.debug('transactional producer disconnected'));
      return closed;
    },
  };
}
