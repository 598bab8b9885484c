import type { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BatchConsumer, BatchPayload } from '../batch-consumer.js';

// The library's consumer and stream as the adapter drives them: the test plays the library's part
// (join events, generation changes, buffered records) without a broker.
const fake = vi.hoisted(() => ({
  consumer: undefined as unknown,
  consumerOptions: undefined as unknown,
  committedOffsets: [] as { topic: string; partition: number; offset: bigint }[],
}));

vi.mock('@platformatic/kafka', async (importOriginal) => {
  const actual = await importOriginal<Record<string, unknown>>();
  const { EventEmitter: Emitter } = await import('node:events');
  class FakeStream extends Emitter {
    buffer: unknown[] = [];
    destroyed = false;
    readableEnded = false;
    errored = null;
    offsetsToFetch = new Map<string, bigint>();
    get readableLength() {
      return this.buffer.length;
    }
    read() {
      return this.buffer.shift() ?? null;
    }
    async close() {
      this.destroyed = true;
      this.emit('close');
    }
  }
  class FakeConsumer extends Emitter {
    memberId: string | null = null;
    generationId = 0;
    coordinatorId: number | null = null;
    stream = new FakeStream();
    constructor(options: unknown) {
      super();
      fake.consumer = this;
      fake.consumerOptions = options;
    }
    async listApis() {}
    async consume() {
      return this.stream;
    }
    async close() {}
  }
  class FakeAdmin {
    async listConsumerGroupOffsets(opts: { groups: { topics: { name: string; partitionIndexes: number[] }[] }[] }) {
      const topics = opts.groups[0]!.topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => ({
          partitionIndex,
          committedOffset: fake.committedOffsets.find((o) => o.topic === t.name && o.partition === partitionIndex)?.offset ?? -1n,
        })),
      }));
      return [{ groupId: 'g', topics }];
    }
    async close() {}
  }
  return { ...actual, Consumer: FakeConsumer, Admin: FakeAdmin };
});

const { committedInTransaction, handedOverBy, platformaticGroupConsumer } = await import('./group-consumer.js');

interface FakeStream extends EventEmitter {
  buffer: unknown[];
  offsetsToFetch: Map<string, bigint>;
}
interface FakeConsumer extends EventEmitter {
  memberId: string | null;
  generationId: number;
  coordinatorId: number | null;
  stream: FakeStream;
}

const settings = { brokers: ['127.0.0.1:1'], clientId: 'test' };
let lib: FakeConsumer;
let consumer: BatchConsumer;
let batches: { partition: number; offsets: string[]; claim: number | undefined }[];
let commits: string[];
let fail: ((payload: BatchPayload) => boolean) | undefined;

function message(partition: number, offset: number) {
  return {
    topic: 't',
    partition,
    offset: BigInt(offset),
    key: null,
    value: Buffer.from('v'),
    headerEntries: [],
    timestamp: 0n,
    commit: async () => void commits.push(`${partition}@${offset}`),
  };
}

/** The library completes a join (JoinGroup and SyncGroup answered): generation and assignment together. */
function join(generationId: number, partitions: number[]) {
  lib.memberId = 'm';
  lib.coordinatorId = 1;
  lib.generationId = generationId;
  lib.emit('consumer:group:join', { generationId, assignments: [{ topic: 't', partitions }] });
}

function deliver(...records: [partition: number, offset: number][]) {
  for (const [p, o] of records) lib.stream.buffer.push(message(p, o));
  lib.stream.emit('readable');
}

beforeEach(async () => {
  batches = [];
  commits = [];
  fail = undefined;
  fake.committedOffsets = [];
  consumer = platformaticGroupConsumer(settings, { groupId: 'g' });
  lib = fake.consumer as FakeConsumer;
  const crashes: unknown[] = [];
  consumer.onCrash((err) => crashes.push(err));
  await consumer.subscribe({ topics: ['t'], fromBeginning: true });
  await consumer.run({
    autoCommit: true,
    eachBatch: async (payload) => {
      const { partition, messages } = payload.batch;
      batches.push({ partition, offsets: messages.map((m) => m.offset), claim: handedOverBy('g', 't', partition)?.generationId });
      if (fail?.(payload)) throw new Error('handler failed');
      payload.resolveOffset(payload.batch.lastOffset());
    },
  });
});

afterEach(async () => {
  await consumer.disconnect();
});

describe('platformatic group consumer', () => {
  it('passes the fetch shape to the library: minBytes and the wait', async () => {
    const shaped = platformaticGroupConsumer(settings, { groupId: 'g2', minBytes: 65536, maxWaitTimeInMs: 500 });
    expect(fake.consumerOptions).toMatchObject({ minBytes: 65536, maxWaitTime: 500 });
    await shaped.disconnect();
    const unshaped = platformaticGroupConsumer(settings, { groupId: 'g3' });
    expect(fake.consumerOptions).not.toHaveProperty('minBytes');
    await unshaped.disconnect();
  });

  it('hands records over only in the generation of the last completed join, naming it', async () => {
    join(1, [0, 1]);
    deliver([0, 0], [1, 0]);
    await vi.waitFor(() => expect(batches).toHaveLength(2));
    expect(batches.map((b) => b.claim)).toEqual([1, 1]);

    // JoinGroup answered (generation 2), SyncGroup not yet: the assignment of generation 2 is unknown.
    lib.generationId = 2;
    deliver([0, 1], [1, 1]);

    // SyncGroup answered: partition 1 is another member's in generation 2.
    join(2, [0]);
    // A later record of partition 0 as a sentinel: once it is handed over, so is all that came before.
    deliver([0, 2]);
    await vi.waitFor(() => expect(batches.flatMap((b) => b.offsets)).toContain('2'));
    expect(batches.slice(2).every((b) => b.partition === 0 && b.claim === 2)).toBe(true);
    expect(batches.slice(2).flatMap((b) => b.offsets)).toEqual(['1', '2']);
  });

  it('forgets the stream position of a lost partition, so a later assignment starts from a committed offset', async () => {
    join(1, [0, 1]);
    lib.stream.offsetsToFetch.set('t:1', 7n);
    join(2, [0]);
    expect(lib.stream.offsetsToFetch.has('t:1')).toBe(false);
    // A fetch sent before the rebalance brings records of it: dropped, and its position forgotten again.
    lib.stream.offsetsToFetch.set('t:1', 9n);
    deliver([1, 7], [1, 8], [0, 0]);
    // Partition 0's record is the sentinel: handed over after partition 1's were judged.
    await vi.waitFor(() => expect(batches).toHaveLength(1));
    expect(batches).toEqual([{ partition: 0, offsets: ['0'], claim: 2 }]);
    expect(lib.stream.offsetsToFetch.has('t:1')).toBe(false);
  });

  it('commits outside a transaction only offsets no transaction committed', async () => {
    join(1, [0]);
    deliver([0, 0]);
    await vi.waitFor(() => expect(commits).toEqual(['0@0']));
    committedInTransaction('g', 't', 0, 2n);
    deliver([0, 1]);
    await vi.waitFor(() => expect(batches).toHaveLength(2));
    // The next batch of the partition starts only after the last one's commit (if any) was sent.
    deliver([0, 3]);
    await vi.waitFor(() => expect(commits).toContain('0@3'));
    expect(commits).toEqual(['0@0', '0@3']);
  });

  it('leaves a failed batch of a partition lost meanwhile to its new owner instead of restarting', async () => {
    const crashes: unknown[] = [];
    consumer.onCrash((err) => crashes.push(err));
    join(1, [0, 1]);
    fail = (payload) => {
      if (payload.batch.partition !== 1) return false;
      join(2, [0]); // the rebalance happens while the batch is being processed
      return true;
    };
    deliver([1, 0]);
    await vi.waitFor(() => expect(batches).toHaveLength(1));
    deliver([0, 0]);
    await vi.waitFor(() => expect(batches).toHaveLength(2));
    expect(batches[1]).toEqual({ partition: 0, offsets: ['0'], claim: 2 });
    expect(crashes).toEqual([]);
  });

  it('after a join, hands over nothing below the stable committed offsets', async () => {
    fake.committedOffsets = [{ topic: 't', partition: 0, offset: 5n }];
    join(1, [0]);
    deliver([0, 3], [0, 4], [0, 5], [0, 6]);
    await vi.waitFor(() => expect(batches).toHaveLength(1));
    expect(batches[0]!.offsets).toEqual(['5', '6']);
  });
});
