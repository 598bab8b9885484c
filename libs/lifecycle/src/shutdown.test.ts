import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { closeOnce } from './close-once.js';
import { createShutdown } from './shutdown.js';

const logger = pino({ level: 'silent' });

describe('createShutdown', () => {
  it('runs steps once, in reverse order of registration', async () => {
    const order: string[] = [];
    const s = createShutdown({ logger, deadlineMs: 1000 });
    s.add('telemetry', async () => void order.push('telemetry'));
    s.add('producer', async () => void order.push('producer'));
    s.add('consumer', async () => void order.push('consumer'));
    const [a, b] = await Promise.all([s.run('SIGTERM'), s.run('again')]);
    expect(order).toEqual(['consumer', 'producer', 'telemetry']);
    expect(a).toBe(b);
    expect(a.clean).toBe(true);
  });

  it('keeps going after a failed step and reports it', async () => {
    const order: string[] = [];
    const s = createShutdown({ logger, deadlineMs: 1000 });
    s.add('logs', async () => void order.push('logs'));
    s.add('producer', async () => {
      throw new Error('flush failed');
    });
    const r = await s.run('test');
    expect(order).toEqual(['logs']);
    expect(r).toMatchObject({ clean: false, failed: ['producer'], timedOut: false });
  });

  it('gives up at the deadline but still flushes telemetry and logs', async () => {
    const order: string[] = [];
    const s = createShutdown({ logger, deadlineMs: 50 });
    s.add('logs', async () => void order.push('logs'), { always: true });
    s.add('producer', async () => void order.push('producer'));
    s.add('stuck', () => new Promise<void>(() => undefined)); // never settles
    const started = Date.now();
    const r = await s.run('test');
    expect(r.timedOut).toBe(true);
    expect(order).toEqual(['logs']);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses new steps once closing', async () => {
    const s = createShutdown({ logger, deadlineMs: 50 });
    void s.run('x');
    expect(() => s.add('late', async () => undefined)).toThrow(expect.objectContaining({ code: 'TW_LIFECYCLE_CLOSING' }));
  });
});

describe('closeOnce', () => {
  it('runs the close once and hands every caller the same promise', async () => {
    let calls = 0;
    const close = closeOnce(async () => void calls++);
    const p1 = close();
    const p2 = close();
    expect(p1).toBe(p2);
    await p1;
    expect(calls).toBe(1);
  });
});
