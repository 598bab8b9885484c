import type { RecordMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { TidewaterProducer } from '@tidewater/kafka';
import { createProducerOutbox } from './outbox.js';

/** Records what one producer request carried; acknowledges after `delayMs`. */
function recordingProducer(delayMs: number) {
  const requests: { topic: string; values: string[] }[][] = [];
  const producer: Pick<TidewaterProducer, 'sendMany'> = {
    async sendMany(batches) {
      requests.push(batches.map((b) => ({ topic: b.topic, values: b.records.map((r) => String(r.value)) })));
      await new Promise((r) => setTimeout(r, delayMs));
      return [] as RecordMetadata[];
    },
  };
  return { producer: producer as TidewaterProducer, requests };
}

const rec = (v: string) => ({ key: null, value: Buffer.from(v) });

describe('producer outbox', () => {
  it('coalesces deliveries made meanwhile into one request per flight, keeping each caller order', async () => {
    const { producer, requests } = recordingProducer(20);
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
    await new Promise((r) => setTimeout(r, 5));
    // Queued while the first request is in flight: they go together in the next one.
    const second = [outbox.deliver([{ topic: 'p', records: [rec('c1')] }], []), outbox.deliver([{ topic: 'p', records: [rec('d1')] }], [])];
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
        return [] as RecordMetadata[];
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
