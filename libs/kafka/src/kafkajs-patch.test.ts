import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { lcg, sha256 } from '../test/kafkajs-patch-support.js';

/**
 * patches/kafkajs+2.2.4.patch rewrites kafkajs's produce-path encoding for speed (see the README).
 * The bytes on the wire and the partition of every keyed message must stay exactly what
 * unpatched kafkajs 2.2.4 produced: the expected values below were recorded from it.
 */
const require = createRequire(import.meta.url);
type Long = { toString(): string };
const Long = require('kafkajs/src/utils/long') as { fromValue(v: number | string): Long };
type EncodedRequest = { buffer: Buffer };
const produceRequest = require('kafkajs/src/protocol/requests/produce/v3/request') as (args: unknown) => {
  encode(): Promise<EncodedRequest>;
};
const murmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: Buffer | string) => number;
const defaultPartitioner = require('kafkajs/src/producer/partitioners/default') as () => (args: unknown) => number;
const groupMessagesPerPartition = require('kafkajs/src/producer/groupMessagesPerPartition') as (
  args: unknown,
) => Record<string, { key?: unknown }[]>;
const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C') as (b: Buffer) => number;
const Decoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => unknown;
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (d: unknown) => Promise<{
  records: { key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer | Buffer[] | null>; timestamp: string }[];
}>;

function bytes(rand: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

type Message = { key?: Buffer | string | null; value: Buffer | string | null; headers?: Record<string, unknown>; timestamp?: number };

const smallTopicData = () => [
  {
    topic: 'predictions',
    partitions: [
      {
        partition: 0,
        firstSequence: 5,
        messages: [
          {
            key: Buffer.from('card-1'),
            value: Buffer.from([0, 0, 0, 0, 7]),
            headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'tw.bin': Buffer.from([1, 2]) },
            timestamp: 1_700_000_000_000,
          },
          { key: 'string-key', value: 'string value ünïcode', headers: { multi: ['a', 'b'] }, timestamp: 1_700_000_000_123 },
          { key: null, value: null, timestamp: 1_700_000_000_050 },
        ],
      },
      {
        partition: 3,
        messages: [
          // Larger than an encoder's initial 512 bytes: the buffer must grow.
          { key: Buffer.alloc(0), value: Buffer.alloc(700, 7), headers: {}, timestamp: 1_699_999_999_999 },
          // kafkajs sorts timestamps as strings: 999 sorts after 1000, so deltas go negative...
          { key: 'k', value: 'v', timestamp: 999 },
          { key: 'k2', value: 'v2', timestamp: 1000 },
        ],
      },
      {
        partition: 5,
        // ...and beyond 32 bits (a varlong past the int32 fast path).
        messages: [
          { key: 'old', value: 'x', timestamp: 5 },
          { key: 'new', value: 'y', timestamp: 1_700_000_000_000 },
          { key: 'now', value: 'z' },
        ],
      },
    ],
  },
];

function largeTopicData() {
  const rand = lcg(42);
  const partitions = Array.from({ length: 6 }, (_, partition) => ({
    partition,
    firstSequence: partition * 1000,
    messages: Array.from({ length: 600 }, (_, i): Message => {
      const headers: Record<string, unknown> = {
        traceparent: `00-${bytes(rand, 16).toString('hex')}-${bytes(rand, 8).toString('hex')}-01`,
      };
      if (i % 7 === 0) headers['tw.error.code'] = Buffer.from('TW_X');
      return {
        key: i % 11 === 0 ? null : bytes(rand, Math.floor(rand() * 40)),
        value: i % 13 === 0 ? null : bytes(rand, Math.floor(rand() * 300)),
        headers,
        timestamp: 1_700_000_000_000 + Math.floor(rand() * 100_000),
      };
    }),
  }));
  return [{ topic: 'features', partitions }];
}

async function encode(topicData: unknown, transactionalId: string | null): Promise<Buffer> {
  const request = produceRequest({
    acks: -1,
    timeout: 30_000,
    transactionalId,
    producerId: Long.fromValue(42),
    producerEpoch: 1,
    topicData,
  });
  return (await request.encode()).buffer;
}

afterEach(() => vi.restoreAllMocks());

describe('kafkajs patch: produce request encoding', () => {
  it('encodes a small request byte for byte as kafkajs 2.2.4 did', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_700_000_000_777);
    const plain = await encode(smallTopicData(), null);
    const txn = await encode(smallTopicData(), 'txn-1');
    expect(sha256(plain)).toBe('8fce28fab074a1ce05af2080f8065ba2d250b0e629a04b7de90f2306de64a392');
    expect(sha256(txn)).toBe('a67c130b9b2c49ca0242e16f076e7bff93635bffff2f2450e086eb1377afbe13');
  });

  it('encodes 3,600 records over 6 partitions byte for byte as kafkajs 2.2.4 did', async () => {
    const encoded = await encode(largeTopicData(), null);
    expect(encoded.length).toBe(851_996);
    expect(sha256(encoded)).toBe('a83ca212d364e217dca97c30dd86eecda6595280f6142b083fb9c50ad42d2959');
  });

  it("decodes back to the records with kafkajs's own record batch decoder", async () => {
    const messages = largeTopicData()[0]!.partitions[2]!.messages;
    const body = await encode([{ topic: 't', partitions: [{ partition: 0, messages }] }], null);
    // Request: transactional_id (int16 -1), acks, timeout, [topic], [partition], record_set size; then the batch.
    const batchStart = 2 + 2 + 4 + 4 + (2 + 1) + 4 + 4 + 4;
    const { records } = await decodeRecordBatch(new Decoder(body.subarray(batchStart)));
    expect(records).toHaveLength(messages.length);
    records.forEach((r, i) => {
      const m = messages[i]!;
      expect(r.key).toEqual(m.key ?? null);
      expect(r.value).toEqual(m.value);
      expect(r.timestamp).toBe(String(m.timestamp));
      expect(Object.keys(r.headers)).toEqual(Object.keys(m.headers!));
    });
  });
});

describe('kafkajs patch: CRC-32C of record batches', () => {
  // The definition, one bit at a time (reflected Castagnoli polynomial): slow and plainly right.
  function crc32cBitwise(b: Buffer): number {
    let crc = ~0;
    for (const byte of b) {
      crc ^= byte;
      for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
    }
    return ~crc >>> 0;
  }

  it('gives the standard check value and agrees with the bitwise definition on every length 0-100', () => {
    expect(crc32C(Buffer.from('123456789'))).toBe(0xe3069283);
    const rand = lcg(3);
    for (let n = 0; n <= 100; n++) {
      const b = bytes(rand, n);
      expect(crc32C(b)).toBe(crc32cBitwise(b));
    }
    const big = bytes(rand, 100_003);
    expect(crc32C(big)).toBe(crc32cBitwise(big));
  });
});

describe('kafkajs patch: default partitioner', () => {
  it("hashes keys exactly as Kafka's Java client does (its Utils.murmur2 test vectors)", () => {
    expect(murmur2('21')).toBe(-973932308);
    expect(murmur2('foobar')).toBe(-790332482);
    expect(murmur2('a-little-bit-long-string')).toBe(-985981536);
    expect(murmur2('a-little-bit-longer-string')).toBe(-1486304829);
    expect(murmur2('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8')).toBe(-58897971);
    expect(murmur2('abc')).toBe(479470107);
  });

  it('hashes 5,000 keys of 0-63 bytes as kafkajs 2.2.4 did', () => {
    const rand = lcg(7);
    const hashes = Array.from({ length: 5000 }, () => murmur2(bytes(rand, Math.floor(rand() * 64))));
    expect(murmur2(Buffer.alloc(0))).toBe(275646681);
    expect(sha256(hashes.join(','))).toBe('d710a8abd6f6fbc82dfb6de83da2562416c34376a090f12c8d679ced7554d042');
  });

  it('groups messages per partition in order: keyed by hash, explicit partitions kept, keyless spread', () => {
    const partitioner = defaultPartitioner();
    const partitionMetadata = Array.from({ length: 6 }, (_, partitionId) => ({ partitionId, leader: 1 }));
    const rand = lcg(9);
    const messages = Array.from({ length: 3000 }, (_, i) => {
      if (i % 10 === 0) return { key: null, value: `keyless-${i}` };
      if (i % 10 === 1) return { key: 'x', value: `explicit-${i}`, partition: 4 };
      return { key: bytes(rand, 1 + Math.floor(rand() * 20)), value: `keyed-${i}` };
    });
    const grouped = groupMessagesPerPartition({ topic: 't', partitionMetadata, messages, partitioner });
    const flat = Object.values(grouped).flat();
    expect(flat).toHaveLength(messages.length);
    // Every partition's list keeps the input order.
    for (const list of Object.values(grouped)) {
      const idx = list.map((m) => messages.indexOf(m as (typeof messages)[number]));
      expect(idx).toEqual([...idx].sort((a, b) => a - b));
    }
    const keyed = Object.entries(grouped).flatMap(([p, list]) =>
      list.filter((m) => String((m as { value: string }).value).startsWith('keyed')).map((m) => `${(m as { value: string }).value}:${p}`),
    );
    expect(sha256(keyed.sort().join(','))).toBe('b3bfd9639c333dbc6b9102830ef8317e6e6bc83f4ead7f1e38891c3964b7556d');
    expect(grouped['4']!.filter((m) => String((m as { value: string }).value).startsWith('explicit'))).toHaveLength(300);
    // Keyless messages go round-robin over the available partitions.
    const keylessPerPartition = Object.values(grouped).map(
      (list) => list.filter((m) => String((m as { value: string }).value).startsWith('keyless')).length,
    );
    expect(keylessPerPartition).toEqual([50, 50, 50, 50, 50, 50]);
  });
});
