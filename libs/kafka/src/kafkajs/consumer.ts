import type { Kafka } from 'kafkajs';
import type { KafkaConsumer, KafkaConsumerOptions } from '../consumer.js';

/** Our plain consumer over a kafkajs consumer. */
export function kafkajsConsumer(
  kafka: Kafka,
  opts: KafkaConsumerOptions,
  connecting: (connect: () => Promise<void>) => Promise<void> = (c) => c(),
): KafkaConsumer {
  const consumer = kafka.consumer({ ...opts });
  let onJoin: () => void = () => undefined;
  const joined = new Promise<void>((resolve) => (onJoin = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => onJoin());
  return {
    connect: () => connecting(() => consumer.connect()),
    subscribe: (s) =>
      consumer.subscribe({ topics: [...s.topics], ...(s.fromBeginning === undefined ? {} : { fromBeginning: s.fromBeginning }) }),
    run: (r) =>
      consumer.run({
        ...(r.autoCommit === undefined ? {} : { autoCommit: r.autoCommit }),
        ...(r.eachBatch ? { eachBatch: r.eachBatch } : {}),
        ...(r.eachMessage ? { eachMessage: r.eachMessage } : {}),
      }),
    seek: (p) => consumer.seek({ ...p }),
    pause: (parts) => consumer.pause(parts.map((p) => ({ topic: p.topic, partitions: [...p.partitions] }))),
    resume: (parts) => consumer.resume(parts.map((p) => ({ topic: p.topic, partitions: [...p.partitions] }))),
    joined: () => joined,
    disconnect: () => consumer.disconnect(),
  };
}
