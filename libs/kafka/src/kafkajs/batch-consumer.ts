import type { Consumer } from 'kafkajs';
import type { BatchConsumer } from '../batch-consumer.js';

/** The consumer runner's view of a kafkajs consumer: the same calls, our payload and event shapes. */
export function kafkajsBatchConsumer(consumer: Consumer): BatchConsumer {
  const partitionsOf = (parts: readonly { topic: string; partitions: readonly number[] }[]) =>
    parts.map((p) => ({ topic: p.topic, partitions: [...p.partitions] }));
  return {
    connect: () => consumer.connect(),
    subscribe: (s) =>
      consumer.subscribe({ topics: [...s.topics], ...(s.fromBeginning === undefined ? {} : { fromBeginning: s.fromBeginning }) }),
    run: (r) =>
      consumer.run({
        eachBatchAutoResolve: false,
        autoCommit: r.autoCommit ?? true,
        partitionsConsumedConcurrently: r.partitionsConsumedConcurrently ?? 1,
        eachBatch: (payload) => r.eachBatch(payload),
      }),
    seek: (p) => consumer.seek({ ...p }),
    pause: (parts) => consumer.pause(partitionsOf(parts)),
    resume: (parts) => consumer.resume(partitionsOf(parts)),
    onGroupJoin: (l) => void consumer.on(consumer.events.GROUP_JOIN, (e) => l(e.payload.memberAssignment)),
    onCrash: (l) => void consumer.on(consumer.events.CRASH, (e) => l(e.payload.error, e.payload.restart)),
    disconnect: () => consumer.disconnect(),
  };
}
