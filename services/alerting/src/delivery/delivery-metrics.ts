import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { EnqueueResult } from './queue-store.js';

export interface DeliveryMetrics {
  enqueued(result: EnqueueResult): void;
  attempt(receiver: string, outcome: 'delivered' | 'retry' | 'parked'): void;
  delivered(latencyMs: number): void;
}

const names = {
  enqueued: 'tw_alerting_delivery_enqueued_total',
  attempts: 'tw_alerting_delivery_attempts_total',
  latency: 'tw_alerting_delivery_latency_seconds',
  depth: 'tw_alerting_delivery_queue_depth',
} as const;

/**
 * The delivery queue's metrics on `registry`, or nothing when there is none (tests). A metric the
 * registry already has (the app may keep its own depth gauge or latency histogram) is left to its
 * owner rather than registered twice, which prom-client refuses.
 */
export function createDeliveryMetrics(registry: Registry | undefined, depth: () => Promise<number>): DeliveryMetrics {
  if (registry === undefined) return { enqueued: () => undefined, attempt: () => undefined, delivered: () => undefined };
  const free = (name: string) => registry.getSingleMetric(name) === undefined;
  const enqueued = free(names.enqueued)
    ? new Counter({
        name: names.enqueued,
        help: 'Notifications offered to the delivery queue, by result (added, replaced = took the place of an unsent one of its group, queued/done = duplicate id, full = refused)',
        labelNames: ['result'],
        registers: [registry],
      })
    : undefined;
  const attempts = free(names.attempts)
    ? new Counter({
        name: names.attempts,
        help: 'Delivery attempts by receiver and outcome (delivered, retry, parked)',
        labelNames: ['receiver', 'outcome'],
        registers: [registry],
      })
    : undefined;
  const latency = free(names.latency)
    ? new Histogram({
        name: names.latency,
        help: 'From the dispatcher deciding to notify to the receiver accepting',
        buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600],
        registers: [registry],
      })
    : undefined;
  if (free(names.depth)) {
    new Gauge({
      name: names.depth,
      help: 'Notifications held by the delivery queue (due, waiting to retry, or being sent)',
      registers: [registry],
      async collect() {
        this.set(await depth());
      },
    });
  }
  return {
    enqueued: (result) => enqueued?.inc({ result }),
    attempt: (receiver, outcome) => attempts?.inc({ receiver, outcome }),
    delivered: (latencyMs) => latency?.observe(latencyMs / 1000),
  };
}
