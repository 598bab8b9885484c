import type { KafkaConsumer, KafkaConsumerOptions } from '../consumer.js';
import type { KafkaClientSettings } from '../kafka-client.js';
import { platformaticGroupConsumer } from './group-consumer.js';
import { namingAuthFailures } from './security.js';

/** Our plain consumer over @platformatic/kafka, through the runner's batch consumer. */
export function platformaticConsumer(settings: KafkaClientSettings, opts: KafkaConsumerOptions): KafkaConsumer {
  const consumer = namingAuthFailures(platformaticGroupConsumer(settings, opts), settings, ['connect', 'run']);
  let onJoin: () => void = () => undefined;
  const joined = new Promise<void>((resolve) => (onJoin = resolve));
  consumer.onGroupJoin(() => onJoin());
  return {
    connect: () => consumer.connect(),
    subscribe: (s) => consumer.subscribe(s),
    run: (r) =>
      consumer.run({
        ...(r.autoCommit === undefined ? {} : { autoCommit: r.autoCommit }),
        async eachBatch(payload) {
          const { batch } = payload;
          if (r.eachBatch) {
            await r.eachBatch({ batch });
          } else if (r.eachMessage) {
            for (const message of batch.messages) {
              if (!payload.isRunning() || payload.isStale()) return;
              await r.eachMessage({ topic: batch.topic, partition: batch.partition, message });
              payload.resolveOffset(message.offset);
            }
            return;
          }
          payload.resolveOffset(batch.lastOffset());
        },
      }),
    seek: (p) => consumer.seek(p),
    pause: (parts) => consumer.pause(parts),
    resume: (parts) => consumer.resume(parts),
    joined: () => joined,
    disconnect: () => consumer.disconnect(),
  };
}
