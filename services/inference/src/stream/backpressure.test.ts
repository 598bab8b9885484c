import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createBackpressure } from './backpressure.js';
import { createInferenceMetrics } from './inference-metrics.js';

type TopicPartitions = { topic: string; partitions: number[] }[];

function setup(maxInFlight: number) {
  const calls: { op: 'pause' | 'resume'; tps: TopicPartitions }[] = [];
  const registry = new Registry();
  const metrics = createInferenceMetrics(registry);
  const bp = createBackpressure({
    consumer: {
      pause: (tps: TopicPartitions) => void calls.push({ op: 'pause', tps }),
      resume: (tps: TopicPartitions) => void calls.push({ op: 'resume', tps }),
    },
    maxInFlight,
    metrics,
    logger: pino({ level: 'silent' }),
  });
  return { bp, calls, registry };
}

describe('backpressure', () => {
  it('pauses each partition that takes in-flight records over the bound, once', () => {
    const { bp, calls } = setup(100);
    bp.admit('t', 0, 60);
    expect(calls).toEqual([]);
    bp.admit('t', 1, 60);
    bp.admit('t', 1, 10);
    bp.admit('t', 2, 5);
    expect(calls).toEqual([
      { op: 'pause', tps: [{ topic: 't', partitions: [1] }] },
      { op: 'pause', tps: [{ topic: 't', partitions: [2] }] },
    ]);
    expect(bp.paused()).toBe(2);
    expect(bp.inFlight()).toBe(135);
  });

  it('resumes every paused partition only once in-flight work is down to half the bound', async () => {
    const { bp, calls, registry } = setup(100);
    bp.admit('t', 0, 80);
    bp.admit('t', 1, 80);
    bp.admit('u', 3, 10);
    expect(await registry.getSingleMetricAsString('tw_inference_paused_partitions')).toMatch(/ 2$/);
    bp.done(80);
    expect(calls.filter((c) => c.op === 'resume')).toEqual([]);
    bp.done(50);
    expect(calls.at(-1)).toEqual({
      op: 'resume',
      tps: [
        { topic: 't', partitions: [1] },
        { topic: 'u', partitions: [3] },
      ],
    });
    expect(bp.paused()).toBe(0);
    expect(await registry.getSingleMetricAsString('tw_inference_paused_partitions')).toMatch(/ 0$/);
    expect(await registry.getSingleMetricAsString('tw_inference_backpressure_pauses_total')).toMatch(/ 2$/);
    expect(await registry.getSingleMetricAsString('tw_inference_in_flight')).toMatch(/ 40$/);
  });
});
