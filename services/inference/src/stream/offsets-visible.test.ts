import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { offsetsVisible, type CommittedOffsetsReader } from './offsets-visible.js';

const committed = (entries: Record<string, number>) => new Map(Object.entries(entries).map(([k, v]) => [k, BigInt(v)]));
const offsets = [
  { topic: 'features', partition: 0, offset: '10' },
  { topic: 'features', partition: 3, offset: '7' },
];

describe('offsetsVisible', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves once every committed offset reads back at or past the transaction', async () => {
    // What OffsetFetch returns while the commit marker is on its way, then after.
    const reads = [
      committed({ 'features:0': 4, 'features:3': 7 }),
      committed({ 'features:0': 4, 'features:3': 7 }),
      committed({ 'features:0': 10, 'features:3': 9 }),
    ];
    const read = vi.fn<CommittedOffsetsReader>(async () => reads.shift()!);
    let result: boolean | undefined;
    void offsetsVisible(offsets, { read, timeoutMs: 5000 }).then((r) => (result = r));
    await vi.advanceTimersByTimeAsync(4);
    expect(result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(20);
    expect(result).toBe(true);
    expect(read).toHaveBeenCalledTimes(3);
    expect(read).toHaveBeenCalledWith(['features']);
  });

  it('gives up at the deadline without rejecting, also when reads fail', async () => {
    let calls = 0;
    const read: CommittedOffsetsReader = async () => {
      calls++;
      if (calls % 2 === 0) throw new Error('coordinator moved');
      return committed({ 'features:0': 4 });
    };
    const visible = offsetsVisible(offsets, { read, timeoutMs: 1000 });
    await vi.advanceTimersByTimeAsync(1000);
    await expect(visible).resolves.toBe(false);
    expect(calls).toBeGreaterThan(5);
  });

  it('does not read at all with a zero timeout or no offsets', async () => {
    const read = vi.fn<CommittedOffsetsReader>(async () => new Map());
    await expect(offsetsVisible(offsets, { read, timeoutMs: 0 })).resolves.toBe(true);
    await expect(offsetsVisible([], { read, timeoutMs: 1000 })).resolves.toBe(true);
    expect(read).not.toHaveBeenCalled();
  });
});
