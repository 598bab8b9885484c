import { describe, expect, it } from 'vitest';
import type { OutgoingMessage } from './outgoing.js';
import { createSendQueue, type TopicMessages } from './send-queue.js';
import type { RecordAck } from './types.js';

const msg = (value: string): OutgoingMessage => ({ key: null, value: Buffer.from(value), headers: undefined });
const values = (batches: readonly TopicMessages[]) =>
  batches.map((b) => ({ topic: b.topic, values: b.messages.map((m) => m.value?.toString()) }));
const ack = (topicName: string, partition = 0): RecordAck => ({ topicName, partition, errorCode: 0 });

/** A fake broker connection: each request waits until the test answers it. */
function fakeRequests() {
  const requests: { batches: readonly TopicMessages[]; answer: (acks: RecordAck[]) => void; fail: (err: unknown) => void }[] = [];
  let onRequest: () => void = () => undefined;
  const send = (batches: readonly TopicMessages[]) =>
    new Promise<RecordAck[]>((resolve, reject) => {
      requests.push({ batches, answer: resolve, fail: reject });
      onRequest();
    });
  const nth = (n: number) =>
    requests.length > n
      ? Promise.resolve(requests[n]!)
      : new Promise<(typeof requests)[number]>((resolve) => {
          onRequest = () => {
            if (requests.length > n) resolve(requests[n]!);
          };
        });
  return { send, requests, nth };
}

describe('createSendQueue', () => {
  it('sends at once when nothing is in flight', async () => {
    const fake = fakeRequests();
    const queue = createSendQueue({ send: fake.send, maxRequestBytes: 1 << 20, isolate: () => true });
    const sent = queue.enqueue([{ topic: 't', messages: [msg('a')] }]);
    const first = await fake.nth(0);
    expect(values(first.batches)).toEqual([{ topic: 't', values: ['a'] }]);
    first.answer([ack('t')]);
    await expect(sent).resolves.toEqual([ack('t')]);
  });

  it('carries every send queued behind the request in flight in the next single request, in the order they came', async () => {
    const fake = fakeRequests();
    const queue = createSendQueue({ send: fake.send, maxRequestBytes: 1 << 20, isolate: () => true });
    const a = queue.enqueue([{ topic: 'out', messages: [msg('a1'), msg('a2')] }]);
    const first = await fake.nth(0);
    const b = queue.enqueue([{ topic: 'out', messages: [msg('b1')] }]);
    const c = queue.enqueue([
      { topic: 'dlq', messages: [msg('c1')] },
      { topic: 'out', messages: [msg('c2')] },
    ]);
    // Nothing more goes out while the first request waits for its acknowledgement.
    expect(fake.requests).toHaveLength(1);
    first.answer([ack('out')]);
    await expect(a).resolves.toEqual([ack('out')]);
    const second = await fake.nth(1);
    expect(values(second.batches)).toEqual([
      { topic: 'out', values: ['b1', 'c2'] },
      { topic: 'dlq', values: ['c1'] },
    ]);
    second.answer([ack('out', 1), ack('dlq', 0)]);
    // Each sender gets the acknowledgements of its own topics.
    await expect(b).resolves.toEqual([ack('out', 1)]);
    await expect(c).resolves.toEqual([ack('out', 1), ack('dlq', 0)]);
    expect(fake.requests).toHaveLength(2);
  });

  it('merges no further than maxRequestBytes; the rest goes in the request after', async () => {
    const fake = fakeRequests();
    // About 70 bytes of framing per record: two one-record sends fit in 200, three do not.
    const queue = createSendQueue({ send: fake.send, maxRequestBytes: 200, isolate: () => true });
    const sends = ['a', 'b', 'c', 'd'].map((v) => queue.enqueue([{ topic: 't', messages: [msg(v)] }]));
    (await fake.nth(0)).answer([ack('t')]);
    const second = await fake.nth(1);
    expect(values(second.batches)).toEqual([{ topic: 't', values: ['b', 'c'] }]);
    second.answer([ack('t')]);
    const third = await fake.nth(2);
    expect(values(third.batches)).toEqual([{ topic: 't', values: ['d'] }]);
    third.answer([ack('t')]);
    await Promise.all(sends);
  });

  it('tries each sender of a failed merged request again alone, so one refused record fails only its sender', async () => {
    const fake = fakeRequests();
    const queue = createSendQueue({ send: fake.send, maxRequestBytes: 1 << 20, isolate: () => true });
    const first = queue.enqueue([{ topic: 't', messages: [msg('first')] }]);
    const inFlight = await fake.nth(0);
    const good = queue.enqueue([{ topic: 't', messages: [msg('good')] }]);
    const bad = queue.enqueue([{ topic: 't', messages: [msg('bad')] }]);
    inFlight.answer([ack('t')]);
    await first;
    (await fake.nth(1)).fail(new Error('INVALID_RECORD'));
    const alone = await fake.nth(2);
    expect(values(alone.batches)).toEqual([{ topic: 't', values: ['good'] }]);
    alone.answer([ack('t')]);
    await expect(good).resolves.toEqual([ack('t')]);
    const badAlone = await fake.nth(3);
    expect(values(badAlone.batches)).toEqual([{ topic: 't', values: ['bad'] }]);
    badAlone.fail(new Error('INVALID_RECORD'));
    await expect(bad).rejects.toThrow('INVALID_RECORD');
  });

  it('fails every sender of a merged request at once when the failure is shared (an outage), and keeps going after', async () => {
    const fake = fakeRequests();
    const queue = createSendQueue({ send: fake.send, maxRequestBytes: 1 << 20, isolate: () => false });
    const first = queue.enqueue([{ topic: 't', messages: [msg('first')] }]);
    const inFlight = await fake.nth(0);
    const x = queue.enqueue([{ topic: 't', messages: [msg('x')] }]);
    const y = queue.enqueue([{ topic: 't', messages: [msg('y')] }]);
    inFlight.answer([ack('t')]);
    await first;
    (await fake.nth(1)).fail(new Error('unreachable'));
    await expect(x).rejects.toThrow('unreachable');
    await expect(y).rejects.toThrow('unreachable');
    expect(fake.requests).toHaveLength(2);
    const later = queue.enqueue([{ topic: 't', messages: [msg('later')] }]);
    (await fake.nth(2)).answer([ack('t')]);
    await expect(later).resolves.toEqual([ack('t')]);
  });
});
