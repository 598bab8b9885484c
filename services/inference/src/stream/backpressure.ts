import type { ConsumerRunner } from '@tidewater/kafka';
import type { Logger } from 'pino';
import type { InferenceMetrics } from './inference-metrics.js';

export interface Backpressure {
  /** Counts `n` records of a partition as in flight; pauses the partition when over the bound. */
  admit(topic: string, partition: number, n: number): void;
  /** Counts them done; resumes every paused partition once in-flight work is down to half the bound. */
  done(n: number): void;
  inFlight(): number;
  paused(): number;
}

/**
 * Bounds the records read and not yet acknowledged downstream. Records already fetched are
 * processed (dropping them would only refetch them); a partition whose batch takes in-flight
 * work over `maxInFlight` stops fetching until the total drains to half the bound, so a slow
 * model or producer stalls the consumer instead of growing memory. Pauses are counted and
 * logged once per burst.
 */
export function createBackpressure(opts: {
  consumer: Pick<ConsumerRunner, 'pause' | 'resume'>;
  maxInFlight: number;
  metrics: Pick<InferenceMetrics, 'inFlight' | 'pausedPartitions' | 'pauses'>;
  logger: Logger;
}): Backpressure {
  const paused = new Map<string, { topic: string; partition: number }>();
  let inFlight = 0;
  return {
    admit(topic, partition, n) {
      inFlight += n;
      opts.metrics.inFlight.set(inFlight);
      if (inFlight <= opts.maxInFlight) return;
      const id = `${topic}:${partition}`;
      if (paused.has(id)) return;
      if (paused.size === 0)
        opts.logger.warn({ inFlight, maxInFlight: opts.maxInFlight }, 'in-flight records over the bound; pausing partitions');
      paused.set(id, { topic, partition });
      opts.consumer.pause([{ topic, partitions: [partition] }]);
      opts.metrics.pauses.inc();
      opts.metrics.pausedPartitions.set(paused.size);
    },
    done(n) {
      inFlight -= n;
      opts.metrics.inFlight.set(inFlight);
      if (paused.size === 0 || inFlight > opts.maxInFlight / 2) return;
      const byTopic = new Map<string, number[]>();
      for (const p of paused.values()) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
      paused.clear();
      opts.consumer.resume([...byTopic].map(([topic, partitions]) => ({ topic, partitions })));
      opts.metrics.pausedPartitions.set(0);
      opts.logger.info({ inFlight }, 'in-flight records drained; partitions resumed');
    },
    inFlight: () => inFlight,
    paused: () => paused.size,
  };
}
