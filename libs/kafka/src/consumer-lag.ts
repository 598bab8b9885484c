import type { KafkaAdmin } from './admin.js';
import type { KafkaClient } from './kafka-client.js';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { kafkaMetrics } from './kafka-metrics.js';
import { createTimedProbe, type TimedProbe } from './timed-probe.js';

export interface ConsumerLagProbeOptions {
  readonly kafka: KafkaClient;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly registry: Registry;
  readonly logger: Logger;
  /** How often to probe; the default suits a 15 s-30 s scrape interval. */
  readonly intervalMs?: number;
}

/** Probes on a timer: `probe()` once now, `start()` every interval, `close()` idempotent. */
export type ConsumerLagProbe = TimedProbe;

export const DEFAULT_LAG_PROBE_INTERVAL_MS = 15_000;

/**
 * Measures a consumer group's lag from outside the consumer, as Kafka's own
 * `kafka-consumer-groups --describe` does: committed offset against high watermark, per partition,
 * on a timer. A lag read from fetch responses stops changing exactly when the consumer stalls, which
 * is when it matters; this one keeps growing. A partition the group never committed counts from the
 * log start, so a group that has read nothing shows all of it as lag.
 *
 * Like kafka-consumer-groups, Burrow and KEDA's Kafka scaler, it therefore includes records already
 * processed but not yet committed: up to one commit interval of them (KAFKA_COMMIT_INTERVAL_MS, 1 s
 * by default; consumer-runner.ts), a second of intake for a group that keeps up, plus what a fetch
 * that waits for more bytes has not yet taken (drift-monitor's, up to 500 ms). Thresholds on it
 * (the lag alert, KEDA's lagThreshold) sit well above that (docs/adr/0011-commit-interval-1s.md).
 */
export function createConsumerLagProbe(opts: ConsumerLagProbeOptions): ConsumerLagProbe {
  const metrics = kafkaMetrics(opts.registry);
  // Label sets set by the last probe, so partitions that left the subscription stop being reported.
  let reported = new Set<string>();

  /**
   * kafkajs's admin does not retry OffsetFetch when the group's coordinator moved or is still
   * loading (both retriable in Kafka's protocol), which is common just after a broker starts.
   */
  async function fetchCommitted(client: KafkaAdmin, isClosed: () => boolean) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await client.fetchOffsets({ groupId: opts.groupId, topics: [...opts.topics] });
      } catch (err) {
        const retriable = (err as { retriable?: unknown }).retriable === true;
        if (!retriable || attempt >= 5 || isClosed()) throw err;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }

  async function probeOnce(client: KafkaAdmin, isClosed: () => boolean): Promise<void> {
    const committed = await fetchCommitted(client, isClosed);
    const next = new Set<string>();
    // Every subscribed topic, not just those in the answer: a group that never committed gets none back.
    for (const topic of opts.topics) {
      const partitions = committed.find((c) => c.topic === topic)?.partitions ?? [];
      const watermarks = await client.fetchTopicOffsets(topic);
      for (const w of watermarks) {
        const commit = partitions.find((p) => p.partition === w.partition);
        const committedOffset = commit && Number(commit.offset) >= 0 ? Number(commit.offset) : Number(w.low);
        const labels = { group: opts.groupId, topic, partition: String(w.partition) };
        metrics.consumerLag.set(labels, Math.max(0, Number(w.high) - committedOffset));
        metrics.committedOffset.set(labels, committedOffset);
        next.add(JSON.stringify([topic, w.partition]));
      }
    }
    for (const key of reported) {
      if (next.has(key)) continue;
      const [topic, partition] = JSON.parse(key) as [string, number];
      const labels = { group: opts.groupId, topic, partition: String(partition) };
      metrics.consumerLag.remove(labels);
      metrics.committedOffset.remove(labels);
    }
    reported = next;
  }

  return createTimedProbe({
    kafka: opts.kafka,
    logger: opts.logger.child({ component: 'consumer-lag', groupId: opts.groupId }),
    what: 'consumer lag probe',
    intervalMs: opts.intervalMs ?? DEFAULT_LAG_PROBE_INTERVAL_MS,
    run: probeOnce,
    onFailure: () => metrics.lagProbeFailures.inc({ group: opts.groupId }),
  });
}
