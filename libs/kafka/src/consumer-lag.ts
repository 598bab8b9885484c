import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { kafkaMetrics } from './kafka-metrics.js';

export interface ConsumerLagProbeOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly registry: Registry;
  readonly logger: Logger;
  /** How often to probe; the default suits a 15 s-30 s scrape interval. */
  readonly intervalMs?: number;
}

export interface ConsumerLagProbe {
  /** Probes once now: the group's committed offsets against each partition's high watermark. */
  probe(): Promise<void>;
  /** Probes every `intervalMs` until closed; the first probe runs at once. */
  start(): void;
  /** Stops the timer, waits for a probe in flight and disconnects the admin client; idempotent. */
  close(): Promise<void>;
}

export const DEFAULT_LAG_PROBE_INTERVAL_MS = 15_000;

/**
 * Measures a consumer group's lag from outside the consumer, as Kafka's own
 * `kafka-consumer-groups --describe` does: committed offset against high watermark, per partition,
 * on a timer. A lag read from fetch responses stops changing exactly when the consumer stalls, which
 * is when it matters; this one keeps growing. A partition the group never committed counts from the
 * log start, so a group that has read nothing shows all of it as lag.
 */
export function createConsumerLagProbe(opts: ConsumerLagProbeOptions): ConsumerLagProbe {
  const metrics = kafkaMetrics(opts.registry);
  const log = opts.logger.child({ component: 'consumer-lag', groupId: opts.groupId });
  const intervalMs = opts.intervalMs ?? DEFAULT_LAG_PROBE_INTERVAL_MS;
  let admin: Admin | undefined;
  let connected: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let closed: Promise<void> | undefined;
  let failing = false;
  // Label sets set by the last probe, so partitions that left the subscription stop being reported.
  let reported = new Set<string>();

  async function connectedAdmin(): Promise<Admin> {
    admin ??= opts.kafka.admin();
    const client = admin;
    connected ??= client.connect().catch((err: unknown) => {
      connected = undefined;
      throw err;
    });
    await connected;
    return client;
  }

  /**
   * kafkajs's admin does not retry OffsetFetch when the group's coordinator moved or is still
   * loading (both retriable in Kafka's protocol), which is common just after a broker starts.
   */
  async function fetchCommitted(client: Admin) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await client.fetchOffsets({ groupId: opts.groupId, topics: [...opts.topics] });
      } catch (err) {
        const retriable = (err as { retriable?: unknown }).retriable === true;
        if (!retriable || attempt >= 5 || closed) throw err;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }

  async function probeOnce(): Promise<void> {
    const client = await connectedAdmin();
    const committed = await fetchCommitted(client);
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

  function probe(): Promise<void> {
    if (closed) return Promise.resolve();
    inFlight ??= probeOnce()
      .then(() => {
        if (failing) log.info('consumer lag probe recovered');
        failing = false;
      })
      .catch((err: unknown) => {
        metrics.lagProbeFailures.inc({ group: opts.groupId });
        // Log the first failure of a streak only: a broker outage would otherwise log every interval.
        if (!failing) log.warn({ err }, 'consumer lag probe failed; the last figures stay until one succeeds');
        failing = true;
      })
      .finally(() => (inFlight = undefined));
    return inFlight;
  }

  return {
    probe,
    start() {
      if (timer || closed || intervalMs <= 0) return;
      void probe();
      timer = setInterval(() => void probe(), intervalMs);
      timer.unref();
    },
    close() {
      closed ??= (async () => {
        clearInterval(timer);
        await inFlight;
        if (admin && connected) await admin.disconnect().catch(() => undefined);
      })();
      return closed;
    },
  };
}
