import { describe, expect, it } from 'vitest';
import { describePlan, planFaults, planSeconds, type FaultPlanOptions } from './fault-plan.js';

const full: FaultPlanOptions = {
  seed: 7,
  warmupSeconds: 30,
  gapSeconds: 20,
  inferenceWorkers: 3,
  inferenceKills: 10,
  kafkaBrokers: 1,
  short: false,
  proxy: true,
};

describe('the chaos fault plan', () => {
  it("holds issue 23's schedule: ten worker kills, each other service once, broker, Redis, registry, Slack, proxy", () => {
    const plan = planFaults(full);
    const count = (k: string) => plan.filter((f) => f.kind === k).length;
    expect(count('inference-kill')).toBe(10);
    expect(
      plan
        .filter((f) => f.kind === 'service-kill')
        .map((f) => f.target)
        .sort(),
    ).toEqual(['alerting', 'drift-monitor', 'feature', 'ingestion']);
    expect([count('broker-kill'), count('redis-kill'), count('registry-down'), count('slack-refusing')]).toEqual([1, 1, 1, 1]);
    expect([count('kafka-latency'), count('kafka-cut')]).toEqual([1, 1]);
    for (const f of plan.filter((x) => x.kind === 'inference-kill')) expect(f.target).toMatch(/^inference-[012]$/);
  });

  it('is the same for the same seed and another for another', () => {
    expect(planFaults(full)).toEqual(planFaults(full));
    expect(planFaults({ ...full, seed: 8 }).map((f) => f.kind)).not.toEqual(planFaults(full).map((f) => f.kind));
  });

  it('starts after the warm-up and never overlaps two faults', () => {
    const plan = planFaults(full);
    expect(plan[0]!.at_s).toBe(30);
    for (let i = 1; i < plan.length; i++) expect(plan[i]!.at_s).toBeGreaterThan(plan[i - 1]!.at_s + plan[i - 1]!.duration_s);
    expect(planSeconds(plan, 20)).toBeGreaterThan(plan.at(-1)!.at_s);
    expect(describePlan(plan)).toHaveLength(plan.length);
  });

  it('with three brokers stops one for 60 s instead of killing the only one', () => {
    const plan = planFaults({ ...full, kafkaBrokers: 3 });
    expect(plan.find((f) => f.kind === 'broker-stop')).toMatchObject({ duration_s: 60, target: expect.stringMatching(/^kafka-[123]$/) });
    expect(plan.some((f) => f.kind === 'broker-kill')).toBe(false);
  });

  it('the short run is a worker kill, a broker restart and a Redis restart', () => {
    const plan = planFaults({ ...full, short: true, inferenceWorkers: 2 });
    expect(plan.map((f) => f.kind).sort()).toEqual(['broker-kill', 'inference-kill', 'redis-kill']);
  });

  it('--faults keeps only the kinds named, the broker fault under either name', () => {
    const plan = planFaults({ ...full, only: ['inference-kill', 'broker-kill'] });
    expect(new Set(plan.map((f) => f.kind))).toEqual(new Set(['inference-kill', 'broker-kill']));
    expect(plan).toHaveLength(11);
    expect(planFaults({ ...full, kafkaBrokers: 3, only: ['broker-kill'] }).map((f) => f.kind)).toEqual(['broker-stop']);
  });
});
