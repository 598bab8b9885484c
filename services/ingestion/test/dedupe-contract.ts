import { describe, expect, it } from 'vitest';
import type { DedupeStore } from '../src/dedupe.js';

/** A dedupe store under test and a way to let its TTLs run. */
export interface DedupeSubject {
  make(pendingMs: number): DedupeStore;
  /** Lets `ms` pass for the store's TTLs: a fake clock in memory, real time on Redis. */
  elapse(ms: number): Promise<void>;
}

/**
 * The rules every dedupe store follows: the Redis scripts (dedupe.redis.test.ts) and the in-memory
 * store (dedupe.test.ts) are both checked against them.
 */
export function describeDedupeRules(name: string, subject: DedupeSubject): void {
  const { make, elapse } = subject;
  describe(`dedupe store (${name})`, () => {
    const a = { eventId: 'e1', owner: 'kafka:raw:0:10' };
    const b = { eventId: 'e1', owner: 'http:req-2:0' };

    it('passes the first occurrence, reports a second owner as in flight until confirmed, then as a duplicate', async () => {
      const store = make(5000);
      expect(await store.claim([a])).toEqual(['new']);
      expect(await store.claim([b])).toEqual(['in_flight']);
      await store.confirm([a]);
      expect(await store.claim([b])).toEqual(['duplicate']);
      // Even the same raw record redelivered after its publish was confirmed is a duplicate: it was published.
      expect(await store.claim([a])).toEqual(['duplicate']);
    });

    it('lets the same raw record (Kafka redelivery of one offset) claim again while its claim is pending', async () => {
      const store = make(5000);
      expect(await store.claim([a])).toEqual(['new']);
      // The process died before publishing: the redelivered offset must not be dropped as a duplicate.
      expect(await store.claim([a])).toEqual(['new']);
    });

    it('frees the id when the publish failed, so the retry passes', async () => {
      const store = make(5000);
      await store.claim([a]);
      await store.release([a]);
      expect(await store.claim([b])).toEqual(['new']);
      // A release by an owner that does not hold the claim changes nothing.
      await store.release([a]);
      expect(await store.claim([a])).toEqual(['in_flight']);
    });

    it('lets a pending claim of a crashed owner expire', async () => {
      const store = make(1000);
      await store.claim([a]);
      await elapse(1100);
      expect(await store.claim([b])).toEqual(['new']);
    });

    it('keeps a pending claim alive while its owner renews it, and only its owner can', async () => {
      const store = make(1000);
      await store.claim([a]);
      await elapse(600);
      await store.renew([a]);
      await store.renew([b]); // not b's claim: no effect, and it must not take it over
      await elapse(600);
      // 1.2 s after the claim, beyond the 1 s pending TTL: still pending thanks to the renewal.
      expect(await store.claim([b])).toEqual(['in_flight']);
      await elapse(500);
      expect(await store.claim([b])).toEqual(['new']);
    });

    it('answers a batch in order', async () => {
      const store = make(5000);
      await store.claim([{ eventId: 'x', owner: 'o1' }]);
      await store.confirm([{ eventId: 'x', owner: 'o1' }]);
      expect(
        await store.claim([
          { eventId: 'y', owner: 'o2' },
          { eventId: 'x', owner: 'o2' },
          { eventId: 'z', owner: 'o2' },
        ]),
      ).toEqual(['new', 'duplicate', 'new']);
    });
  });
}
