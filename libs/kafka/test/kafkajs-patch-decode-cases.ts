import { lcg, sha256 } from './kafkajs-patch-support.js';
import type { KafkajsCopy } from './kafkajs-copy.js';
import { bytes, type PatchCase } from './kafkajs-patch-case.js';
import { recordInputs } from './kafkajs-patch-encode-cases.js';

const RECORD_DECODER = 'src/protocol/recordBatch/record/v0/decoder.js';
const BATCH_DECODER = 'src/protocol/recordBatch/v0/decoder.js';
const DECODERS = [RECORD_DECODER, BATCH_DECODER];

/** Everything a consumer can see of a decoded batch, own properties included (a header named `__proto__`). */
function canonical(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return { hex: value.toString('hex') };
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const own: [string, unknown][] = [];
    for (const k of Object.getOwnPropertyNames(value)) own.push([k, canonical((value as Record<string, unknown>)[k])]);
    return { proto: Object.getPrototypeOf(value) === Object.prototype, own };
  }
  return value;
}

interface BatchSpec {
  readonly firstOffset: string;
  readonly firstTimestamp: string;
  readonly gzip?: boolean;
  /** Attribute bits set after encoding (kafkajs writes neither): 0x08 log-append time, 0x20 control batch. */
  readonly attributeBits?: number;
  readonly records: readonly { offsetDelta: number; timestampDelta: string; key: unknown; value: unknown; headers?: unknown }[];
}

/** Encodes `spec` with the same copy that decodes it (encoding is checked byte for byte by its own cases). */
async function encodeBatch(k: KafkajsCopy, spec: BatchSpec): Promise<Buffer> {
  const batch = await k.RecordBatch({
    compression: spec.gzip ? k.Compression.GZIP : k.Compression.None,
    firstOffset: k.Long.fromString(spec.firstOffset),
    firstTimestamp: k.Long.fromString(spec.firstTimestamp),
    maxTimestamp: k.Long.fromString(spec.firstTimestamp),
    lastOffsetDelta: spec.records.at(-1)?.offsetDelta ?? 0,
    records: spec.records.map((r) => k.Record({ ...r, timestampDelta: k.Long.fromString(r.timestampDelta) })),
  });
  const buf = Buffer.from(batch.buffer);
  // Attributes: int16 after firstOffset, length, leader epoch, magic and CRC (which fetch does not check).
  if (spec.attributeBits) buf[22] = buf[22]! | spec.attributeBits;
  return buf;
}

/** Outcome of decoding `buf`: a digest of what a consumer sees, or the error's class and code. */
async function outcome(k: KafkajsCopy, buf: Buffer): Promise<string> {
  try {
    return `ok ${sha256(JSON.stringify(canonical(await k.decodeRecordBatch(new k.Decoder(buf)))))}`;
  } catch (err) {
    // Name and code, not Node's message text, so the digest is the same on every Node version.
    return `error ${(err as Error).name} ${(err as { code?: string }).code ?? ''}`;
  }
}

/** Offsets and timestamps at the edges: past 2^53, deltas past 28 and 32 bits, negative, -1 (no timestamp). */
function edgeBatches(): BatchSpec[] {
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
    '134217727',
    '-134217728',
  ];
  const records = recordInputs(77, deltas.length).map((r, i) => ({ ...r, timestampDelta: deltas[i]! }));
  return [
    { firstOffset: '0', firstTimestamp: '1700000000000', records },
    { firstOffset: '9007199254740990', firstTimestamp: '1700000000000', records },
    { firstOffset: '9223372036854775000', firstTimestamp: '9007199254740000', records },
    // The same first offset and timestamp again after others: the patch memoizes the last parsed ones.
    { firstOffset: '0', firstTimestamp: '1700000000000', records: records.slice(0, 3) },
    { firstOffset: '123456', firstTimestamp: '-1', records: records.slice(0, 3) },
    { firstOffset: '77', firstTimestamp: '1700000000000', gzip: true, records },
    { firstOffset: '500', firstTimestamp: '1700000000000', attributeBits: 0x08, records },
    { firstOffset: '501', firstTimestamp: '1700000000000', attributeBits: 0x20, records: records.slice(0, 2) },
    { firstOffset: '9', firstTimestamp: '1700000000000', records: [] },
  ];
}

/** Fetched batches as the services see them: 500 records each, a traceparent on most. */
function typicalBatches(): BatchSpec[] {
  return [0, 1, 2].map((b) => ({
    firstOffset: String(4_567_890 + b * 500),
    firstTimestamp: String(1_764_849_600_000 + b * 1000),
    gzip: b === 2,
    records: recordInputs(500 + b, 500).map((r) => ({ ...r, timestampDelta: String(r.offsetDelta * 3) })),
  }));
}

/**
 * Malformed input (a corrupt broker or proxy; kafkajs does not check CRCs on fetch): each record's
 * length off by -12..12, which misframes the records after it, and 400 single-byte corruptions.
 */
async function malformedOutcomes(k: KafkajsCopy): Promise<string> {
  const records = recordInputs(31, 4).map((r, i) => ({ ...r, key: `k${i}`, value: `v-${i}`, timestampDelta: String(i * 100_000_000 - 5) }));
  const good = await encodeBatch(k, { firstOffset: '100', firstTimestamp: '1700000000000', records });
  const out: string[] = [];
  let pos = 61; // the batch header; then each record's zig-zag varint length and its body
  for (let r = 0; r < records.length; r++) {
    const width = good[pos]! & 0x80 ? 2 : 1;
    const length = (width === 1 ? good[pos]! : (good[pos]! & 0x7f) | (good[pos + 1]! << 7)) >>> 1;
    for (let adjust = -12; adjust <= 12; adjust++) {
      const n = length + adjust;
      const zigzag = (n << 1) ^ (n >> 31);
      // Keep the varint's width, so only this record's length changes.
      if ((width === 1) !== zigzag < 0x80) continue;
      const buf = Buffer.from(good);
      if (width === 1) buf[pos] = zigzag;
      else if (zigzag < 0x4000) [buf[pos], buf[pos + 1]] = [(zigzag & 0x7f) | 0x80, zigzag >>> 7];
      else continue;
      out.push(`${r} ${adjust} ${await outcome(k, buf)}`);
    }
    pos += width + length;
  }
  const rand = lcg(13);
  for (let i = 0; i < 400; i++) {
    const buf = Buffer.from(good);
    const at = 12 + Math.floor(rand() * (buf.length - 12));
    buf[at] = bytes(rand, 1)[0]!;
    out.push(`flip ${at} ${await outcome(k, buf)}`);
  }
  return out.join('\n');
}

async function decodeAll(k: KafkajsCopy, specs: readonly BatchSpec[]): Promise<string> {
  const out: string[] = [];
  for (const spec of specs) out.push(await outcome(k, await encodeBatch(k, spec)));
  return out.join('\n');
}

export const decodeCases: PatchCase[] = [
  {
    id: 'recordBatch.decode-edges',
    files: DECODERS,
    inputs:
      'batches at the edges: offsets past 2^53 and near 2^63, deltas past 28/32 bits, -1 timestamps, gzip, log-append time, control, empty',
    sameAsUpstream: true,
    run: (k) => decodeAll(k, edgeBatches()),
  },
  {
    id: 'recordBatch.decode-typical',
    files: DECODERS,
    inputs: '3 batches of 500 records with header shapes of every kind (one gzip)',
    sameAsUpstream: true,
    run: (k) => decodeAll(k, typicalBatches()),
  },
  {
    id: 'recordBatch.decode-malformed',
    files: DECODERS,
    inputs: 'one batch with each record length off by -12..12, and 400 single-byte corruptions: what decodes, what throws',
    sameAsUpstream: true,
    run: malformedOutcomes,
  },
];
