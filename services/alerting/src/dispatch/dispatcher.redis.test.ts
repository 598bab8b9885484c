import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeEach, describe, expect, it, inject } from 'vitest';
import type { Alert } from '@tidewater/schemas';
import type { Labels } from '../matching/label-matcher.js';
import type { Notification } from '../notification.js';
import { createDispatcher, type RoutedGroup } from './dispatcher.js';
import { createGroupState } from './group-state.js';

const redis = new Redis(inject('redisUrl'));
const prefixes: string[] = [];
afterAll(async () => {
  for (const p of prefixes) {
    const keys = await redis.keys(`${p}*`);
    if (keys.length) await redis.del(...keys);
  }
  redis.disconnect();
});

const s = 1000;
const m = 60 * s;
const h = 60 * m;

function alert(name: string, status: 'firing' | 'resolved' = 'firing', extra: Labels = {}): Alert {
  const labels = { alertname: name, model: 'fraud', ...extra };
  return {
    fingerprint: `${name}-${JSON.stringify(extra)}`,
    status,
    labels,
    annotations: { summary: name },
    starts_at: 0,
    ends_at: null,
    source: 'test',
    generator_url: null,
  };
}

/** One route grouping by alertname+model with Alertmanager's default timers. */
function route(labels: Labels): RoutedGroup[] {
  return [
    {
      routeId: '0',
      receiver: 'slack',
      groupId: `0:{alertname=${labels['alertname']},model=${labels['model']}}`,
      groupKey: `{}:{alertname=${labels['alertname']}, model=${labels['model']}}`,
      groupLabels: { alertname: labels['alertname'] ?? '', model: labels['model'] ?? '' },
      groupWaitMs: 30 * s,
      groupIntervalMs: 5 * m,
      repeatIntervalMs: 4 * h,
    },
  ];
}

function setup(opts: { sendResolved?: boolean; silenced?: (l: Labels) => boolean; owner?: string; prefix?: string } = {}) {
  const prefix = opts.prefix ?? `tw:test:alerting:${randomUUID()}:`;
  prefixes.push(prefix);
  const clock = {
    t: 1_000_000,
    now() {
      return this.t;
    },
  };
  const sent: Notification[] = [];
  const dispatcher = createDispatcher({
    groups: createGroupState(redis, prefix),
    route,
    muting: {
      silencedBy: (l) => (opts.silenced?.(l) ? ['silence-1'] : []),
      inhibited: (l, firing) =>
        l['severity'] === 'warning' && firing.some((f) => f['severity'] === 'critical' && f['model'] === l['model']),
      usesFiringAlerts: true,
    },
    sendResolved: () => opts.sendResolved ?? true,
    enqueue: async (n) => void sent.push(n),
    clock,
    owner: opts.owner ?? 'a',
  });
  return { dispatcher, clock, sent, prefix };
}

describe('dispatcher (Alertmanager grouping semantics)', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });

  it('waits group_wait before the first notification of a new group', async () => {
    await t.dispatcher.ingest(alert('Drift'));
    t.clock.t += 29 * s;
    expect(await t.dispatcher.tick()).toBe(0);
    t.clock.t += 1 * s;
    expect(await t.dispatcher.tick()).toBe(1);
    expect(t.sent[0]).toMatchObject({ receiver: 'slack', status: 'firing', groupLabels: { alertname: 'Drift', model: 'fraud' } });
    expect(t.sent[0]!.alerts.map((a) => a.fingerprint)).toEqual(['Drift-{}']);
  });

  it('batches alerts arriving during group_wait into one notification', async () => {
    await t.dispatcher.ingest(alert('Drift', 'firing', { feature: 'amount' }));
    t.clock.t += 10 * s;
    await t.dispatcher.ingest(alert('Drift', 'firing', { feature: 'hour' }));
    t.clock.t += 20 * s;
    await t.dispatcher.tick();
    expect(t.sent).toHaveLength(1);
    expect(t.sent[0]!.alerts).toHaveLength(2);
    expect(t.sent[0]!.commonLabels).toEqual({ alertname: 'Drift', model: 'fraud' });
  });

  it('sends a new alert of a notified group only at the next group_interval', async () => {
    await t.dispatcher.ingest(alert('Drift', 'firing', { feature: 'amount' }));
    t.clock.t += 30 * s;
    await t.dispatcher.tick();
    t.clock.t += 1 * m;
    await t.dispatcher.ingest(alert('Drift', 'firing', { feature: 'hour' }));
    t.clock.t += 3 * m;
    expect(await t.dispatcher.tick()).toBe(0);
    t.clock.t += 1 * m; // 5 m after the first flush
    expect(await t.dispatcher.tick()).toBe(1);
    expect(t.sent[1]!.alerts).toHaveLength(2);
  });

  it('stays quiet while nothing changes and repeats after repeat_interval', async () => {
    await t.dispatcher.ingest(alert('Drift'));
    t.clock.t += 30 * s;
    await t.dispatcher.tick();
    for (let i = 0; i < 47; i++) {
      t.clock.t += 5 * m;
      await t.dispatcher.tick();
    }
    expect(t.sent).toHaveLength(1); // 3 h 55 m after the first notification
    t.clock.t += 5 * m;
    await t.dispatcher.tick();
    expect(t.sent).toHaveLength(2);
    expect(t.sent[1]!.alerts[0]!.fingerprint).toBe('Drift-{}');
  });

  it('notifies the resolution when the receiver sends resolved, then forgets the group', async () => {
    await t.dispatcher.ingest(alert('Drift'));
    t.clock.t += 30 * s;
    await t.dispatcher.tick();
    await t.dispatcher.ingest(alert('Drift', 'resolved'));
    t.clock.t += 5 * m;
    expect(await t.dispatcher.tick()).toBe(1);
    expect(t.sent[1]).toMatchObject({ status: 'resolved' });
    expect(await redis.zcard(`${t.prefix}due`)).toBe(0);
  });

  it('drops the resolution silently when the receiver does not send resolved', async () => {
    const q = setup({ sendResolved: false });
    await q.dispatcher.ingest(alert('Drift'));
    q.clock.t += 30 * s;
    await q.dispatcher.tick();
    await q.dispatcher.ingest(alert('Drift', 'resolved'));
    q.clock.t += 5 * m;
    expect(await q.dispatcher.tick()).toBe(0);
    expect(await redis.zcard(`${q.prefix}due`)).toBe(0);
  });

  it('leaves silenced alerts out, and sends them once the silence is gone', async () => {
    let silenced = true;
    const q = setup({ silenced: () => silenced });
    await q.dispatcher.ingest(alert('Drift'));
    q.clock.t += 30 * s;
    expect(await q.dispatcher.tick()).toBe(0);
    silenced = false;
    q.clock.t += 5 * m;
    expect(await q.dispatcher.tick()).toBe(1);
  });

  it('mutes a warning while a critical alert of the same model fires (inhibition)', async () => {
    await t.dispatcher.ingest(alert('ModelDown', 'firing', { severity: 'critical' }));
    await t.dispatcher.ingest(alert('Drift', 'firing', { severity: 'warning' }));
    t.clock.t += 30 * s;
    await t.dispatcher.tick();
    expect(t.sent.map((n) => n.groupLabels['alertname'])).toEqual(['ModelDown']);
    await t.dispatcher.ingest(alert('ModelDown', 'resolved', { severity: 'critical' }));
    t.clock.t += 5 * m;
    await t.dispatcher.tick();
    expect(t.sent.map((n) => `${n.groupLabels['alertname']}:${n.status}`).sort()).toEqual([
      'Drift:firing',
      'ModelDown:firing',
      'ModelDown:resolved',
    ]);
  });

  it('lets one replica flush a group when two share the state', async () => {
    const a = setup();
    const b = setup({ prefix: a.prefix, owner: 'b' });
    await a.dispatcher.ingest(alert('Drift'));
    a.clock.t += 30 * s;
    b.clock.t = a.clock.t;
    await Promise.all([a.dispatcher.tick(), b.dispatcher.tick()]);
    expect(a.sent.length + b.sent.length).toBe(1);
  });

  it('treats a firing alert whose ends_at passed as resolved, and forgets the group after', async () => {
    await t.dispatcher.ingest({ ...alert('Drift'), ends_at: t.clock.t + 10 * m });
    t.clock.t += 30 * s;
    await t.dispatcher.tick();
    t.clock.t += 10 * m;
    expect(await t.dispatcher.tick()).toBe(1);
    expect(t.sent[1]).toMatchObject({ status: 'resolved' });
    expect(await redis.zcard(`${t.prefix}due`)).toBe(0);
  });

  it('keeps flushing other groups when one fails, and retries the failed one', async () => {
    const prefix = `tw:test:alerting:${randomUUID()}:`;
    prefixes.push(prefix);
    const clock = {
      t: 1_000_000,
      now() {
        return this.t;
      },
    };
    const sent: Notification[] = [];
    const failed: string[] = [];
    let refuse = true;
    const d = createDispatcher({
      groups: createGroupState(redis, prefix),
      route,
      muting: { silencedBy: () => [], inhibited: () => false, usesFiringAlerts: false },
      sendResolved: () => true,
      enqueue: async (n) => {
        if (refuse && n.groupLabels['alertname'] === 'A') throw new Error('delivery queue full');
        sent.push(n);
      },
      clock,
      owner: 'x',
      onFlushFailed: (key) => void failed.push(key),
    });
    await d.ingest(alert('A'));
    await d.ingest(alert('B'));
    clock.t += 30 * s;
    expect(await d.tick()).toBe(1);
    expect(sent.map((n) => n.groupLabels['alertname'])).toEqual(['B']);
    expect(failed).toHaveLength(1);
    refuse = false;
    expect(await d.tick()).toBe(1); // still due: retried on the next tick
    expect(sent.map((n) => n.groupLabels['alertname'])).toEqual(['B', 'A']);
  });

  it('gives a flush redone after a crash the same notification id', async () => {
    await t.dispatcher.ingest(alert('Drift'));
    t.clock.t += 30 * s;
    const crashing = createDispatcher({
      groups: createGroupState(redis, t.prefix),
      route,
      muting: { silencedBy: () => [], inhibited: () => false, usesFiringAlerts: false },
      sendResolved: () => true,
      enqueue: async (n) => {
        t.sent.push(n);
        throw new Error('process died after enqueue, before the notification log was written');
      },
      clock: t.clock,
      owner: 'c',
    });
    expect(await crashing.tick()).toBe(0); // the failed flush is reported, the group stays due
    await t.dispatcher.tick();
    expect(t.sent).toHaveLength(2);
    expect(t.sent[0]!.id).toBe(t.sent[1]!.id);
  });
});
