import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { ConsumerRunner } from '@tidewater/kafka';
import { memoryLogger } from '../../test/delivery-fixtures.js';
import { backgroundConsumer } from './background-consumer.js';

/** A runner whose start fails (Kafka unreachable) or succeeds, and whose consumer can announce a group join. */
function fakeRunner(outcome: 'fails' | 'runs' | 'pending') {
  const emitter = new EventEmitter();
  let closed = false;
  let settle: () => void = () => undefined;
  const runner = {
    onGroupJoin: (fn: () => void) => void emitter.on('group-join', fn),
    start: () =>
      outcome === 'fails'
        ? Promise.reject(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9'))
        : outcome === 'runs'
          ? Promise.resolve()
          : new Promise<void>((resolve) => (settle = resolve)),
    assigned: () => new Promise<void>(() => undefined),
    crashed: () => new Promise<unknown>(() => undefined),
    close: async () => void (closed = true),
  };
  return {
    runner: runner as unknown as ConsumerRunner,
    join: () => emitter.emit('group-join'),
    closed: () => closed,
    settle: () => settle(),
  };
}

describe('backgroundConsumer', () => {
  it('starts a fresh runner after each failed start, until one runs; readiness says why meanwhile', async () => {
    const made = [fakeRunner('fails'), fakeRunner('fails'), fakeRunner('runs')];
    let next = 0;
    const consumer = backgroundConsumer({
      make: () => made[next++]!.runner,
      groupId: 'tw-alerting',
      logger: memoryLogger().logger,
      retryDelayMs: () => 1,
    });
    await expect(consumer.joined()).rejects.toThrow(/\(group tw-alerting\) has not started/);
    await consumer.start();
    expect(next).toBe(3);
    expect(made[0]!.closed() && made[1]!.closed()).toBe(true);
    await expect(consumer.joined()).rejects.toThrow(
      /\(group tw-alerting\) is running but has not joined its group; last error: Connection error/,
    );
    made[2]!.join();
    await expect(consumer.joined()).resolves.toBeUndefined();
    await consumer.close();
    expect(made[2]!.closed()).toBe(true);
  });

  it('closes without waiting for a start still retrying, and makes no further runner', async () => {
    const made = [fakeRunner('pending'), fakeRunner('runs')];
    let next = 0;
    const consumer = backgroundConsumer({ make: () => made[next++]!.runner, groupId: 'g', logger: memoryLogger().logger });
    void consumer.start();
    await consumer.close();
    expect(made[0]!.closed()).toBe(true);
    made[0]!.settle();
    await consumer.start();
    expect(next).toBe(1);
  });
});
