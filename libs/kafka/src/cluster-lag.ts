import type { KafkaAdmin } from './admin.js';
import type { KafkaClient } from './kafka-client.js';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { kafkaMetrics } from './kafka-metrics.js';
import { DEFAULT_LAG_PROBE_INTERVAL_MS, type ConsumerLagProbe } from './consumer-lag.js';
import { createTimedProbe } from './timed-probe.js';

export interface ClusterLagProbeOptions {
  readonly kafka: KafkaClient;
  /**
   * Which groups to report. Every group in the cluster would include one-off consumers (console
   * consumers, tests) that Kafka keeps for its offsets retention, a week by default, each a set of
   * series and a lag alert that pages for nobody.
   */
  readonly groups: RegExp;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly intervalMs?: number;
}

/** The cluster probe counts its failures under this group label. */
export const CLUSTER_PROBE_GROUP = '*';

/**
 * Probes the lag of every consumer group in the cluster (on every topic it has committed on),
 * as Kafka's `kafka-consumer-groups --describe --all-groups` does. Each service probes its own
 * groups, but a service that is down reports nothing; one process running this (alerting, the
 * platform's watchdog) keeps a dead consumer's lag growing on the dashboards and in the alert.
 * Same metric family as the per-service probe; the rules take the max per partition.
 */
export function createClusterLagProbe(opts: ClusterLagProbeOptions): ConsumerLagProbe {
  const metrics = kafkaMetrics(opts.registry);
  const log = opts.logger.child({ component: 'cluster-lag' });
  let reported = new Map<string, { group: string; topic: string; partition: string }>();

  async function probeOnce(client: KafkaAdmin): Promise<void> {
    const { groups } = await client.listGroups();
    const topics = (await client.listTopics()).filter((t) => !t.startsWith('__'));
    const watermarks = new Map<string, Map<number, { high: number; low: number }>>();
    const next = new Map<string, { group: string; topic: string; partition: string }>();
    for (const { groupId, protocolType } of groups) {
      if ((protocolType !== 'consumer' && protocolType !== '') || !opts.groups.test(groupId)) continue;
      let committed: Awaited<ReturnType<KafkaAdmin['fetchOffsets']>>;
      try {
        committed = await client.fetchOffsets({ groupId, topics });
      } catch (err) {
        // One group whose coordinator is moving must not hide every other group's lag, nor lose its
        // own: its last figures stay until a read succeeds.
        log.debug({ err, groupId }, 'cannot read a group offsets this time');
        for (const [key, labels] of reported) if (labels.group === groupId) next.set(key, labels);
        continue;
      }
      for (const { topic, partitions } of committed) {
        const live = partitions.filter((p) => Number(p.offset) >= 0);
        if (live.length === 0) continue;
        let marks = watermarks.get(topic);
        if (!marks) {
          // A topic deleted since listTopics has no watermarks: skip it, not the whole run.
          const offsets = await client.fetchTopicOffsets(topic).catch(() => []);
          marks = new Map(offsets.map((w) => [w.partition, { high: Number(w.high), low: Number(w.low) }]));
          watermarks.set(topic, marks);
        }
        for (const p of live) {
          const mark = marks.get(p.partition);
          if (!mark) continue;
          const labels = { group: groupId, topic, partition: String(p.partition) };
          metrics.consumerLag.set(labels, Math.max(0, mark.high - Number(p.offset)));
          metrics.committedOffset.set(labels, Number(p.offset));
          next.set(JSON.stringify(labels), labels);
        }
      }
    }
    for (const [key, labels] of reported) {
      if (next.has(key)) continue;
      metrics.consumerLag.remove(labels);
      metrics.committedOffset.remove(labels);
    }
    reported = next;
  }

  return createTimedProbe({
    kafka: opts.kafka,
    logger: log,
    what: 'cluster lag probe',
    intervalMs: opts.intervalMs ?? DEFAULT_LAG_PROBE_INTERVAL_MS,
    run: probeOnce,
    onFailure: () => metrics.lagProbeFailures.inc({ group: CLUSTER_PROBE_GROUP }),
  });
}
