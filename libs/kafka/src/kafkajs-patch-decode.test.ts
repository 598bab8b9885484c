import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { lcg, sha256 } from '../test/kafkajs-patch-support.js';

/**
 * patches/kafkajs+2.2.4.patch also rewrites kafkajs's fetch-path record decoding for speed (no
 * BigInt-backed Long per record where the offset and timestamp fit a double exactly, records read
 * in place when they stay within their length, headers gathered without copying the object per
 * header). What a consumer sees, and the errors malformed input throws, must stay exactly what
 * unpatched kafkajs 2.2.4 gave: the digests below were recorded from it.
 */
const require = createRequire(import.meta.url);
type Long = { toString(): string };
const Long = require('kafkajs/src/utils/long') as { fromValue(v: number | string): Long; fromString(s: string): Long };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (args: unknown) => unknown;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch(args: unknown): Promise<{ buffer: Buffer }> };
const { Types: Compression } = require('kafkajs/src/protocol/message/compression') as { Types: { None: number; GZIP: number } };
const Decoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => unknown;
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (d: unknown) => Promise<DecodedBatch>;

type HeaderValue = Buffer | null | (Buffer | null)[];
type DecodedRecord = { key: Buffer | null; value: Buffer | null; headers: Record<string, HeaderValue>; timestamp: string; offset: string };
type DecodedBatch = { records: DecodedRecord[] } & Record<string, unknown>;

/** Everything a consumer can see of a decoded batch, own properties included (a header named `__proto__`). */
function canonical(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return { hex: value.toString('hex') };
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const out: [string, unknown][] = [];
    for (const k of Object.getOwnPropertyNames(value)) out.push([k, canonical((value as Record<string, unknown>)[k])]);
    return { proto: Object.getPrototypeOf(value) === Object.prototype, own: out };
  }
  return value;
}

interface BatchSpec {
  readonly firstOffset: string;
  readonly firstTimestamp: string;
  readonly compression?: number;
  readonly records: {
    offsetDelta: number;
    timestampDelta: string;
    key: Buffer | null;
    value: Buffer | null;
    headers: Record<string, unknown>;
  }[];
}

async function encodeBatch(spec: BatchSpec): Promise<Buffer> {
  const records = spec.records.map((r) => Record({ ...r, timestampDelta: Long.fromString(r.timestampDelta) }));
  const batch = await RecordBatch({
    compression: spec.compression ?? Compression.None,
    firstOffset: Long.fromString(spec.firstOffset),
    firstTimestamp: Long.fromString(spec.firstTimestamp),
    maxTimestamp: Long.fromString(spec.firstTimestamp),
    lastOffsetDelta: spec.records.at(-1)?.offsetDelta ?? 0,
    records,
  });
  return batch.buffer;
}

/** Offsets and timestamps at the edges: past 2^53, deltas past 28 and 32 bits, negative, -1 (no timestamp). */
function edgeBatches(): BatchSpec[] {
  const headers = (i: number): Record<string, unknown> =>
    i % 4 === 0
      ? { traceparent: Buffer.from(`00-${String(i).padStart(32, '0')}-${String(i).padStart(16, '0')}-01`) }
      : i % 4 === 1
        ? { dup: [Buffer.from('a'), Buffer.from('b'), Buffer.from('c')], ünï: Buffer.from([1]) }
        : i % 4 === 2
          ? { ['__proto__']: Buffer.from('p'), empty: Buffer.alloc(0) }
          : {};
  const record = (i: number, timestampDelta: string) => ({
    offsetDelta: i,
    timestampDelta,
    key: i % 3 === 0 ? null : Buffer.from(`key-${i}`),
    value: i % 5 === 0 ? null : Buffer.from(`value-${i}`),
    headers: headers(i),
  });
  // 134217727 and -134217728 are the largest that fit a 4-byte varint after zig-zag; the next ones need 5.
  const deltas = [
    '0',
    '1',
    '-1',
    '268435455',
    '268435456',
    '-268435457',
    '2147483648',
    '-4294967296',
    '1099511627776',
    '12',
    '134217727',
    '-134217728',
    '134217728',
    '-134217729',
  ];
  return [
    { firstOffset: '0', firstTimestamp: '1700000000000', records: deltas.map((d, i) => record(i, d)) },
    { firstOffset: '9007199254740990', firstTimestamp: '1700000000000', records: deltas.map((d, i) => record(i, d)) },
    { firstOffset: '9223372036854775000', firstTimestamp: '9007199254740000', records: deltas.map((d, i) => record(i, d)) },
    { firstOffset: '123456', firstTimestamp: '-1', records: deltas.slice(0, 3).map((d, i) => record(i, d)) },
    { firstOffset: '77', firstTimestamp: '1700000000000', compression: Compression.GZIP, records: deltas.map((d, i) => record(i, d)) },
  ];
}

/** A fetched batch as the services see them: 500 records with a traceparent, some with more headers. */
function typicalBatch(): BatchSpec {
  const rand = lcg(7);
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
  return {
    firstOffset: '4567890',
    firstTimestamp: '1764849600000',
    records: Array.from({ length: 500 }, (_, i) => {
      const headers: Record<string, unknown> = { traceparent: Buffer.from(`00-${hex(32)}-${hex(16)}-01`) };
      if (i % 9 === 0) headers['tw.error.code'] = Buffer.from('TW_FEATURE_X');
      return {
        offsetDelta: i,
        timestampDelta: String(Math.floor(rand() * 2000)),
        key: Buffer.from(`card-${Math.floor(rand() * 5000)}`),
        value: Buffer.from(hex(2 * Math.floor(rand() * 200))),
        headers,
      };
    }),
  };
}

/** Outcome of decoding `buf`: the error kafkajs threw, or a digest of what it decoded. */
async function outcome(buf: Buffer): Promise<string> {
  try {
    return `ok ${sha256(JSON.stringify(canonical(await decodeRecordBatch(new Decoder(buf)))))}`;
  } catch (err) {
    return `error ${(err as Error).name}: ${(err as Error).message}`;
  }
}

/**
 * Malformed framing (a corrupt broker or proxy; kafkajs does not check CRCs on fetch): one record's
 * length off by -12..12, which misframes the records after it. Each record is under 64 bytes, so
 * its length is one varint byte and can be rewritten in place.
 */
async function malformedOutcomes(): Promise<string[]> {
  const records = [
    {
      offsetDelta: 0,
      timestampDelta: '1',
      key: Buffer.from('k0'),
      value: Buffer.from('v-0'),
      headers: { tp: Buffer.from('00-aa-01'), dup: [Buffer.from('1'), Buffer.from('2')] },
    },
    { offsetDelta: 1, timestampDelta: '200000000', key: null, value: Buffer.from('v1'), headers: {} },
    { offsetDelta: 2, timestampDelta: '-5', key: Buffer.from('k2'), value: null, headers: { ['__proto__']: Buffer.from('p') } },
  ];
  const good = await encodeBatch({ firstOffset: '100', firstTimestamp: '1700000000000', records });
  const out: string[] = [];
  for (let r = 0; r < records.length; r++) {
    let pos = 61; // the batch header, then each record's one-byte zig-zag length and its body
    for (let i = 0; i < r; i++) pos += 1 + (good[pos]! >>> 1);
    const length = good[pos]! >>> 1;
    for (let adjust = -12; adjust <= 12; adjust++) {
      const buf = Buffer.from(good);
      const n = length + adjust;
      buf[pos] = (n << 1) ^ (n >> 31);
      out.push(`${r} ${adjust} ${await outcome(buf)}`);
    }
  }
  return out;
}

async function decodeAll(specs: readonly BatchSpec[]): Promise<DecodedBatch[]> {
  const out: DecodedBatch[] = [];
  for (const spec of specs) out.push(await decodeRecordBatch(new Decoder(await encodeBatch(spec))));
  return out;
}

describe('kafkajs patch: fetched record batch decoding', () => {
  it('decodes offsets, timestamps, keys, values and headers at the edges as kafkajs 2.2.4 did', async () => {
    const batches = await decodeAll(edgeBatches());
    // Spot checks that say what the digest covers.
    expect(batches[1]!.records[9]!.offset).toBe('9007199254740999');
    expect(batches[2]!.records[5]!.timestamp).toBe('9007198986304543');
    expect(batches[0]!.records[1]!.headers['dup']).toEqual([Buffer.from('a'), Buffer.from('b'), Buffer.from('c')]);
    expect(Object.getOwnPropertyNames(batches[0]!.records[2]!.headers)).toEqual(['__proto__', 'empty']);
    expect(sha256(JSON.stringify(canonical(batches)))).toBe('857fe639c40f27345b18c73dbbe59e4e164faee200068273a9fe5124b098d121');
  });

  it('decodes a typical 500-record batch as kafkajs 2.2.4 did', async () => {
    const [batch] = await decodeAll([typicalBatch()]);
    expect(batch!.records).toHaveLength(500);
    expect(sha256(JSON.stringify(canonical(batch)))).toBe('5f849290ac10bb3a5f448a75f18d3303f4d61f0e34292b875ea3abb7b62e039d');
  });
  it('decodes or rejects misframed records exactly as kafkajs 2.2.4 did', async () => {
    const outcomes = await malformedOutcomes();
    expect(outcomes).toHaveLength(75);
    expect(outcomes.filter((o) => o.includes(' error ')).length).toBeGreaterThan(0);
    expect(sha256(outcomes.join('\n'))).toBe('7d845f60e6ee5c3bb5b00a7a2d5fe5a97399696fada6f1244841fc55769d715a');
  });
});
