import type { CommittedOffsetsReader } from '@tidewater/kafka';
import type { NextOffset } from './outbox.js';

export type { CommittedOffsetsReader } from '@tidewater/kafka';

export interface OffsetsVisibleOptions {
  readonly read: CommittedOffsetsReader;
  /** Gives up after this long; 0 does not wait at all. */
  readonly timeoutMs: number;
  /** First pause between reads, doubled up to 100 ms. */
  readonly pollMs?: number;
}

/**
 * Waits until the group's committed offsets read back at or past `offsets`: after a transaction
 * commits, Kafka writes its markers asynchronously, and until the group coordinator has applied
 * its marker an OffsetFetch without `require_stable` (kafkajs has none) still returns the offsets
 * from before. A worker that rejoined the group in that window, or the worker taking over its
 * partitions, would start from there and write their predictions a second time.
 *
 * Resolves true once visible, false at the deadline; never rejects, because the transaction is
 * committed and its batch must not be retried. Failed reads (a coordinator moving) are retried.
 */
export async function offsetsVisible(offsets: readonly NextOffset[], opts: OffsetsVisibleOptions): Promise<boolean> {
  if (offsets.length === 0 || opts.timeoutMs <= 0) return true;
  const topics = [...new Set(offsets.map((o) => o.topic))];
  const deadline = Date.now() + opts.timeoutMs;
  for (let pause = opts.pollMs ?? 5; ; pause = Math.min(pause * 2, 100)) {
    const committed = await opts.read(topics).catch(() => undefined);
    if (committed && offsets.every((o) => (committed.get(`${o.topic}:${o.partition}`) ?? -1n) >= BigInt(o.offset))) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
  }
}
