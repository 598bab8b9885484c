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
        // patches/kafkajs+2.2.4.patch (runner.js) makes eachBatch mode honour it; unset, every batch commits.
        ...(r.autoCommitIntervalMs === undefined ? {} : { autoCommitInterval: r.autoCommitIntervalMs }),
        partitionsConsumedConcurrently: r.partitionsConsumedConcurrently ?? 1,
        eachBatch: (payload) => r.eachBatch(payload),
      }),
    seek: (p) => consumer.seek({ ...p }),
    pause: (parts) => consumer.pause(partitionsOf(parts)),
    resume: (parts) => consumer.resume(partitionsOf(parts)),
    onGroupJoin: (l) => void consumer.on(consumer.events.GROUP_JOIN, (e) => l(e.payload.memberAssignment)),
    onCrash: (l) => void consumer.on(consumer.events.CRASH, (e) => l(e.payload.error, e.payload.restart)),
    disconnect: () => consumer.disconnect(),
    onTiming: (l) => {
      let fetchStarted = 0;
      consumer.on(consumer.events.FETCH_START, () => {
        const now = performance.now();
        // A fetch cycle: from one fetch's start to the next, i.e. the fetch plus every batch of it.
        if (fetchStarted > 0) l('cycle', now - fetchStarted);
        fetchStarted = now;
      });
      consumer.on(consumer.events.FETCH, (e) => l('fetch', e.payload.duration));
      consumer.on(consumer.events.REQUEST, (e) => {
        l(`request.${e.payload.apiName}`, e.payload.duration);
        if (e.payload.pendingDuration > 1) l(`pending.${e.payload.apiName}`, e.payload.pendingDuration);
      });
    },
  };
}
