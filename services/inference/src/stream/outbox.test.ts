import { describe, expect, it, vi } from 'vitest';
import type { RecordAck, TidewaterProducer, TopicPartitionOffset, TransactionalProducer } from '@tidewater/kafka';
import { createProducerOutbox, createTransactionalOutbox, type NextOffset } from './outbox.js';

/**
 * Records what each producer request carried and holds requests in flight until the test calls
 * `acknowledge()`; `inFlight` resolves when the first request has been sent.
 */
function recordingProducer() {
  const requests: { topic: string; values: string[] }[][] = [];
  let acknowledge!: () => void;
  const acknowledged = new Promise<void>((resolve) => (acknowledge = resolve));
  let sent!: () => void;
  const inFlight = new Promise<void>((resolve) => (sent = resolve));
  const producer: Pick<TidewaterProducer, 'sendMany'> = {
    async sendMany(batches) {
      requests.push(batches.map((b) => ({ topic: b.topic, values: b.records.map((r) => String(r.value)) })));
      sent();
      await acknowledged;
      return [] as RecordAck[];
    },
  };
  return { producer: producer as TidewaterProducer, requests, inFlight, acknowledge };
}

const rec = (v: string) => ({ key: null, value: Buffer.from(v) });

describe('producer outbox', () => {
  it('coalesces deliveries made meanwhile into one request per flight, keeping each caller order', async () => {
    const { producer, requests, inFlight, acknowledge } = recordingProducer();
    const outbox = createProducerOutbox(producer);
    const first = [
      outbox.deliver([{ topic: 'p', records: [rec('a1'), rec('a2')] }], []),
      outbox.deliver(
        [
          { topic: 'p', records: [rec('b1')] },
          { topic: 's', records: [rec('b-shadow')] },
        ],
        [],
      ),
    ];
    await inFlight;
    // Queued while the first request is in flight: they go together in the next one.
    const second = [outbox.deliver([{ topic: 'p', records: [rec('c1')] }], []), outbox.deliver([{ topic: 'p', records: [rec('d1')] }], [])];
    acknowledge();
    await Promise.all([...first, ...second]);
    expect(requests).toEqual([
      [
        { topic: 'p', values: ['a1', 'a2', 'b1'] },
        { topic: 's', values: ['b-shadow'] },
      ],
      [{ topic: 'p', values: ['c1', 'd1'] }],
    ]);
  });

  it('fails every caller of a failed request and serves the next ones', async () => {
    let fail = true;
    const producer = {
      async sendMany() {
        if (fail) throw new Error('broker gone');
        return [] as RecordAck[];
      },
    } as unknown as TidewaterProducer;
    const outbox = createProducerOutbox(producer);
    const a = outbox.deliver([{ topic: 'p', records: [rec('a')] }], []);
    const b = outbox.deliver([{ topic: 'p', records: [rec('b')] }], []);
    await expect(a).rejects.toThrow('broker gone');
    await expect(b).rejects.toThrow('broker gone');
    fail = false;
    await expect(outbox.deliver([{ topic: 'p', records: [rec('c')] }], [])).resolves.toBeUndefined();
  });
});

/** A transactional producer that records each transaction's steps; `failCommit` makes the next commit throw. */
function recordingTransactions() {
  const steps: string[] = [];
  const state = { failCommit: false };
  const producer = {
    async transaction() {
      return {
        async send(batches: readonly { topic: string; records: readonly unknown[] }[]) {
          steps.push(`send ${batches.map((t) => `${t.topic}:${t.records.length}`).join(',')}`);
        },
        async sendOffsets(_groupId: string, offsets: readonly TopicPartitionOffset[]) {
          steps.push(`offsets ${offsets.map((o) => `${o.topic}:${o.partition}@${o.offset}`).join(',')}`);
        },
        async commit() {
          if (state.failCommit) {
            state.failCommit = false;
            throw new Error('coordinator gone');
          }
          steps.push('commit');
        },
        async abort() {
          steps.push('abort');
        },
      };
    },
  };
  return { producer: producer as Pick<TransactionalProducer, 'transaction'>, steps, state };
}

describe('transactional outbox', () => {
  it('answers its callers only once afterCommit has seen the committed offsets (a rebalance must not hand on older ones)', async () => {
    const { producer, steps } = recordingTransactions();
    let release: () => void = () => undefined;
    const seen: (readonly NextOffset[])[] = [];
    const outbox = createTransactionalOutbox(producer, 'group', async (offsets) => {
      seen.push(offsets);
      steps.push('visible?');
      await new Promise<void>((r) => (release = r));
    });
    let done = 0;
    const deliveries = [
      outbox.deliver([{ topic: 'p', records: [rec('a')] }], [{ topic: 'f', partition: 0, offset: '5' }]),
      outbox.deliver(
        [{ topic: 'p', records: [rec('b'), rec('c')] }],
        [
          { topic: 'f', partition: 0, offset: '7' },
          { topic: 'f', partition: 2, offset: '3' },
        ],
      ),
    ].map((d) => d.then(() => done++));
    await vi.waitFor(() => expect(steps).toContain('visible?'));
    expect(done).toBe(0);
    release();
    await Promise.all(deliveries);
    expect(done).toBe(2);
    expect(steps).toEqual(['send p:3', 'offsets f:0@7,f:2@3', 'commit', 'visible?']);
    expect(seen).toEqual([
      [
        { topic: 'f', partition: 0, offset: '7' },
        { topic: 'f', partition: 2, offset: '3' },
      ],
    ]);
  });

  it('aborts a failed transaction and fails its callers without waiting for offsets', async () => {
    const { producer, steps, state } = recordingTransactions();
    const afterCommit = vi.fn(async () => undefined);
    const outbox = createTransactionalOutbox(producer, 'group', afterCommit);
    state.failCommit = true;
    await expect(outbox.deliver([{ topic: 'p', records: [rec('a')] }], [{ topic: 'f', partition: 1, offset: '2' }])).rejects.toMatchObject({
      code: 'TW_INFER_TRANSACTION_FAILED',
    });
    expect(steps).toEqual(['send p:1', 'offsets f:1@2', 'abort']);
    expect(afterCommit).not.toHaveBeenCalled();
  });
});
