import { Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createDeliveryMetrics } from './delivery-metrics.js';

describe('createDeliveryMetrics', () => {
  it('counts outcomes and reads the depth when scraped', async () => {
    const registry = new Registry();
    const metrics = createDeliveryMetrics(registry, () => Promise.resolve(7));
    metrics.enqueued('full');
    metrics.attempt('team-ml', 'retry');
    metrics.delivered(1500);
    const text = await registry.metrics();
    expect(text).toContain('tw_alerting_delivery_enqueued_total{result="full"} 1');
    expect(text).toContain('tw_alerting_delivery_attempts_total{receiver="team-ml",outcome="retry"} 1');
    expect(text).toContain('tw_alerting_delivery_latency_seconds_count 1');
    expect(text).toContain('tw_alerting_delivery_queue_depth 7');
  });

  it('leaves a metric the registry already has to its owner', async () => {
    const registry = new Registry();
    const own = new Gauge({ name: 'tw_alerting_delivery_queue_depth', help: 'set by the app', registers: [registry] });
    own.set(3);
    expect(() => createDeliveryMetrics(registry, () => Promise.resolve(7))).not.toThrow();
    expect(await registry.metrics()).toContain('tw_alerting_delivery_queue_depth 3');
  });
});
