import { describe, expect, it } from 'vitest';
import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { createTopics, uniqueName } from '@tidewater/test-support';
import { producerFixture } from '../test/producer-fixture.js';
import { headerText } from '../test/topic-tap.js';

describe('createProducer on the dev stack', () => {
  const { startProducer, tap } = producerFixture();

  it('writes records with their own headers plus traceparent, to one topic or several in one call', async () => {
    const topics = { a: uniqueName('producer-a'), b: uniqueName('producer-b') };
    await createTopics([
      { name: topics.a, partitions: 3 },
      { name: topics.b, partitions: 1 },
    ]);
    const [producer, out] = await Promise.all([startProducer(), tap([topics.a, topics.b])]);
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const spanId = 'b7ad6b7169203331';
    const context = trace.setSpan(ROOT_CONTEXT, trace.wrapSpanContext({ traceId, spanId, traceFlags: TraceFlags.SAMPLED }));

    const acks = await producer.send(topics.a, [
      { key: 'traced', value: Buffer.from('v1'), headers: { 'x-app': 'int-test' }, context },
      { key: 'plain', value: Buffer.from('v2'), headers: { 'x-app': 'int-test' } },
    ]);
    expect(acks.every((a) => a.errorCode === 0)).toBe(true);
    await producer.sendMany([
      { topic: topics.a, records: [{ key: 'many-a', value: Buffer.from('v3') }] },
      { topic: topics.b, records: [{ key: 'many-b', value: null, context }] },
    ]);

    const onA = await out.read(topics.a, 3);
    const onB = await out.read(topics.b, 1);
    const byKey = new Map([...onA, ...onB].map((r) => [r.key?.toString(), r]));
    const traced = byKey.get('traced');
    expect(traced?.value?.toString()).toBe('v1');
    expect(headerText(traced?.headers ?? {}, 'x-app')).toBe('int-test');
    expect(headerText(traced?.headers ?? {}, 'traceparent')).toBe(`00-${traceId}-${spanId}-01`);
    expect(headerText(byKey.get('plain')?.headers ?? {}, 'traceparent')).toBeUndefined();
    expect(byKey.get('many-a')?.value?.toString()).toBe('v3');
    expect(byKey.get('many-b')?.value).toBeNull();
    expect(headerText(byKey.get('many-b')?.headers ?? {}, 'traceparent')).toBe(`00-${traceId}-${spanId}-01`);
    // Same key, same partition: the murmur2 partitioner is deterministic.
    await producer.send(topics.a, [{ key: 'traced', value: Buffer.from('v4') }]);
    const again = (await out.read(topics.a, 4)).find((r) => r.value?.toString() === 'v4');
    expect(again?.partition).toBe(traced?.partition);
  });

  it('close() is idempotent: every caller gets the same promise', async () => {
    const producer = await startProducer();
    const closing = producer.close();
    expect(producer.close()).toBe(closing);
    await closing;
  });
});
