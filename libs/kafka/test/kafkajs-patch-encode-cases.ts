import { lcg, sha256 } from './kafkajs-patch-support.js';
import type { Encoder, KafkajsCopy, Message } from './kafkajs-copy.js';
import { bytes, type PatchCase } from './kafkajs-patch-case.js';

const ENCODER = 'src/protocol/encoder.js';
const CRC32C = 'src/protocol/recordBatch/crc32C/crc32C.js';
const RECORD = 'src/protocol/recordBatch/record/v0/index.js';
const RECORD_BATCH = 'src/protocol/recordBatch/v0/index.js';
const PRODUCE = 'src/protocol/requests/produce/v3/request.js';

const INT32S = [
  0,
  1,
  -1,
  63,
  64,
  -64,
  -65,
  127,
  128,
  8191,
  8192,
  2 ** 20,
  2 ** 27 - 1,
  2 ** 27,
  -(2 ** 27),
  2 ** 28,
  2 ** 31 - 1,
  -(2 ** 31),
];
const UINTS = [0, 127, 128, 16383, 16384, 2 ** 21, 2 ** 28, 2 ** 31, 2 ** 32 - 1, -1];
/** Numbers on both sides of the patch's 32-bit varlong shortcut, and Longs (as decimal strings). */
const VARLONG_NUMBERS = [
  0,
  -0,
  1,
  -1,
  2 ** 31 - 1,
  2 ** 31,
  3_000_000_000,
  2 ** 32 - 1,
  -(2 ** 31),
  -(2 ** 31) - 1,
  2 ** 32,
  2 ** 40,
  -(2 ** 40),
  2 ** 53 - 1,
  -(2 ** 53 - 1),
];
const VARLONG_STRINGS = ['0', '-1', '1099511627776', '9223372036854775807', '-9223372036854775808'];
const STRINGS = ['', 'a', 'ünïcode ✓', 'lone \ud800 surrogate', 'x'.repeat(300), null];

/** One write: an Encoder method and its argument (a Long's decimal string where `long` is set). */
type Op = { op: keyof Encoder; v: unknown; long?: boolean };

/** A deterministic program of encoder writes: every write method, values at their edges. */
function program(seed: number, n: number): Op[] {
  const rand = lcg(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const randomInt = () => Math.floor(rand() * 2 ** 32) - 2 ** 31;
  const blob = () => bytes(rand, pick([0, 1, 5, 63, 64, 65, 200, 1000]));
  const makers: (() => Op)[] = [
    () => ({ op: 'writeInt8', v: Math.floor(rand() * 256) - 128 }),
    () => ({ op: 'writeInt16', v: Math.floor(rand() * 65536) - 32768 }),
    () => ({ op: 'writeInt32', v: randomInt() }),
    () => ({ op: 'writeUInt32', v: Math.floor(rand() * 2 ** 32) }),
    () => ({ op: 'writeInt64', v: pick(VARLONG_NUMBERS) }),
    () => ({ op: 'writeInt64', v: pick(VARLONG_STRINGS), long: true }),
    () => ({ op: 'writeDouble', v: (rand() - 0.5) * 1e12 }),
    () => ({ op: 'writeBoolean', v: rand() < 0.5 }),
    () => ({ op: 'writeString', v: pick(STRINGS) }),
    () => ({ op: 'writeVarIntString', v: pick(STRINGS) }),
    () => ({ op: 'writeUVarIntString', v: pick(STRINGS) }),
    () => ({ op: 'writeBytes', v: rand() < 0.2 ? pick(STRINGS) : blob() }),
    () => ({ op: 'writeVarIntBytes', v: rand() < 0.2 ? pick(STRINGS) : blob() }),
    () => ({ op: 'writeUVarIntBytes', v: rand() < 0.2 ? pick(STRINGS) : blob() }),
    () => ({ op: 'writeBuffer', v: blob() }),
    () => ({ op: 'writeVarInt', v: rand() < 0.5 ? pick(INT32S) : randomInt() }),
    () => ({ op: 'writeUVarInt', v: rand() < 0.5 ? pick(UINTS) : Math.floor(rand() * 2 ** 32) }),
    () => ({ op: 'writeVarLong', v: rand() < 0.7 ? pick(VARLONG_NUMBERS) : randomInt() }),
    () => ({ op: 'writeVarLong', v: pick(VARLONG_STRINGS), long: true }),
  ];
  return Array.from({ length: n }, () => pick(makers)());
}

function apply(k: KafkajsCopy, e: Encoder, ops: readonly Op[]): Encoder {
  for (const { op, v, long } of ops) (e[op] as (x: unknown) => Encoder).call(e, long ? k.Long.fromString(String(v)) : v);
  return e;
}

function encoderWrites(k: KafkajsCopy): string {
  const out: string[] = [];
  // Initial sizes from one byte (growth on nearly every write) to kafkajs's default of 511.
  for (const [i, size] of [1, 5, 64, 511].entries()) out.push(sha256(apply(k, new k.Encoder(size), program(i, 3000)).buffer));
  // Encoders written into encoders: alone, as arrays (typed and not), varint- and uvarint-counted.
  const children = Array.from({ length: 60 }, (_, i) => apply(k, new k.Encoder(i % 3 === 0 ? 1 : undefined), program(100 + i, i % 7)));
  const parent = new k.Encoder(2);
  for (const c of children) parent.writeEncoder(c);
  parent
    .writeEncoderArray(children)
    .writeEncoderArray([])
    .writeArray(children)
    .writeArray(children, 'object')
    .writeVarIntArray(children, 'object')
    .writeVarIntArray([...children, 'skipped', 3])
    .writeUVarIntArray(children, 'object')
    .writeUVarIntArray(null)
    .writeNullableArray([])
    .writeNullableArray([1, 2, 3], 'int32')
    .writeArray(['a', null, 'ü'], 'string')
    .writeArray([7, 'mixed', children[1]!]);
  out.push(parent.buffer.toString('hex'));
  const sizes = [
    ...INT32S.map((v) => k.Encoder.sizeOfVarInt(v)),
    ...VARLONG_NUMBERS.map((v) => k.Encoder.sizeOfVarLong(v)),
    ...VARLONG_STRINGS.map((v) => k.Encoder.sizeOfVarLong(k.Long.fromString(v))),
    ...[...STRINGS, Buffer.alloc(70)].map((v) => k.Encoder.sizeOfVarIntBytes(v)),
  ];
  out.push(sizes.join(','));
  return out.join('\n');
}

/** Records as the services write them, and at the edges: null, string, small and large keys and values; headers of every shape. */
export function recordInputs(seed: number, n: number) {
  const rand = lcg(seed);
  const field = (i: number): Buffer | string | null =>
    i % 9 === 0 ? null : i % 9 === 1 ? `text ${i} ü` : bytes(rand, i % 9 === 2 ? 64 : i % 9 === 3 ? 65 : Math.floor(rand() * 300));
  const headers = (i: number): Record<string, unknown> | undefined => {
    switch (i % 6) {
      case 0:
        return undefined;
      case 1:
        return {};
      case 2:
        return { traceparent: `00-${bytes(rand, 16).toString('hex')}-${bytes(rand, 8).toString('hex')}-01` };
      case 3:
        return { 'tw.error.code': Buffer.from('TW_X'), multi: ['a', Buffer.from('b'), 'c'], ünï: '' };
      case 4:
        return { ['__proto__']: 'p', empty: Buffer.alloc(0) };
      default:
        return Object.fromEntries(Array.from({ length: 1 + (i % 13) }, (_, h) => [`h${h}`, bytes(rand, h * 10)]));
    }
  };
  const deltas = [0, 1, -1, 134217727, 134217728, -134217729, 2 ** 31, 2 ** 32 - 1, -(2 ** 32), 2 ** 40];
  return Array.from({ length: n }, (_, i) => ({
    offsetDelta: i,
    timestampDelta: i % 5 === 0 ? deltas[(i / 5) % deltas.length]! : Math.floor(rand() * 100_000),
    key: field(i),
    value: field(i + 4),
    headers: headers(i),
  }));
}

async function recordBatches(k: KafkajsCopy): Promise<string> {
  const out: string[] = [];
  const specs = [
    { firstOffset: '0', firstTimestamp: '1700000000000', records: 0 },
    { firstOffset: '0', firstTimestamp: '1700000000000', records: 1 },
    { firstOffset: '4567890', firstTimestamp: '1764849600000', records: 500, producerId: '42', producerEpoch: 3, firstSequence: 99 },
    { firstOffset: '9223372036854775000', firstTimestamp: '-1', records: 40, transactional: true, partitionLeaderEpoch: 7 },
  ];
  for (const [i, spec] of specs.entries()) {
    const inputs = recordInputs(300 + i, spec.records);
    const batch = await k.RecordBatch({
      compression: k.Compression.None,
      firstOffset: k.Long.fromString(spec.firstOffset),
      firstTimestamp: k.Long.fromString(spec.firstTimestamp),
      maxTimestamp: k.Long.fromString(spec.firstTimestamp),
      lastOffsetDelta: Math.max(0, spec.records - 1),
      partitionLeaderEpoch: spec.partitionLeaderEpoch ?? 0,
      transactional: spec.transactional ?? false,
      producerId: k.Long.fromString(spec.producerId ?? '-1'),
      producerEpoch: spec.producerEpoch ?? 0,
      firstSequence: spec.firstSequence ?? 0,
      records: inputs.map((r) => k.Record(r)),
    });
    out.push(`${batch.size()} ${sha256(batch.buffer)}`);
  }
  return out.join('\n');
}

/** Produce request topic data: several topics and partitions; timestamps missing, string-sorted, past 32 bits. */
function topicData(seed: number) {
  const rand = lcg(seed);
  const messages = (p: number): Message[] =>
    recordInputs(seed * 10 + p, p === 0 ? 3 : 150 + p * 50).map((r, i) => ({
      key: r.key,
      value: r.value,
      headers: r.headers,
      ...(i % 17 === 3 ? {} : { timestamp: i % 23 === 5 ? 999 + i : 1_700_000_000_000 + Math.floor(rand() * 100_000) }),
    }));
  return [
    {
      topic: 'features',
      partitions: [0, 1, 2, 5].map((partition) => ({ partition, firstSequence: partition * 1000, messages: messages(partition) })),
    },
    { topic: 'predictions', partitions: [{ partition: 3, messages: messages(3) }] },
  ];
}

async function produceRequests(k: KafkajsCopy): Promise<string> {
  const now = Date.now;
  // A message without a timestamp gets the request's Date.now().
  Date.now = () => 1_700_000_000_777;
  try {
    const out: string[] = [];
    for (const transactionalId of [null, 'txn-1']) {
      for (const seed of [1, 2]) {
        const request = k.produceRequest({
          acks: -1,
          timeout: 30_000,
          transactionalId,
          producerId: k.Long.fromValue(42),
          producerEpoch: 1,
          topicData: topicData(seed),
        });
        const encoded = await request.encode();
        out.push(`${encoded.size()} ${sha256(encoded.buffer)}`);
      }
    }
    return out.join('\n');
  } finally {
    Date.now = now;
  }
}

export const encoderCases: PatchCase[] = [
  {
    id: 'encoder.writes',
    files: [ENCODER],
    inputs: '4 encoders of 3,000 random writes (every write method, edge values) from initial sizes 1-511; nested encoders; varint sizes',
    sameAsUpstream: true,
    run: async (k) => encoderWrites(k),
  },
  {
    id: 'crc32C.buffers',
    files: [CRC32C],
    inputs: 'CRC-32C of every length 0-300, of odd-offset slices, and of 65,539 and 1,000,000 random bytes',
    sameAsUpstream: true,
    run: async (k) => {
      const rand = lcg(5);
      const crcs: number[] = [];
      for (let n = 0; n <= 300; n++) crcs.push(k.crc32C(bytes(rand, n)));
      const big = bytes(rand, 1_000_000);
      for (let o = 1; o < 16; o += 2) crcs.push(k.crc32C(big.subarray(o, o + 1000 + o)));
      crcs.push(k.crc32C(big.subarray(0, 65_539)), k.crc32C(big));
      return crcs.join(',');
    },
  },
  {
    id: 'record.encode',
    files: [RECORD, ENCODER],
    inputs: '2,000 records: null/string/64/65/random-byte keys and values, header shapes, timestamp deltas past 28 and 32 bits',
    sameAsUpstream: true,
    run: async (k) =>
      recordInputs(9, 2000)
        .map((r) => k.Record(r).buffer.toString('hex'))
        .join('\n'),
  },
  {
    id: 'recordBatch.encode',
    files: [RECORD_BATCH, RECORD, ENCODER, CRC32C],
    inputs: 'uncompressed batches of 0, 1, 500 and 40 records (producer ids, sequences, transactional, offsets near 2^63)',
    sameAsUpstream: true,
    run: recordBatches,
  },
  {
    id: 'produce.v3-request',
    files: [PRODUCE, RECORD_BATCH, RECORD, ENCODER, CRC32C],
    inputs: 'Produce v3 requests (plain and transactional) of 2 topics, 5 partitions, ~1,400 records; Date.now fixed',
    sameAsUpstream: true,
    run: produceRequests,
  },
];
