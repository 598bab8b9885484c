import type { FeatureSet, NumericEventField, StringEventField, WindowSpec } from '@tidewater/feature-set';
import { emptySketch, hash53, REGISTER_BYTES, sketchAdd, sketchCount, type DistinctSketch } from './distinct-sketch.js';
import type { EventState, FieldStats, StateEvent, WindowStats } from './window-state.js';

/** One bucket of one window: count, then sum, sum of squares, min, max per field, and a distinct sketch per string field. */
interface Bucket {
  readonly b: number;
  count: number;
  /** Plain numbers: cheaper to allocate than a Float64Array, and decoding makes one per bucket on every read. */
  readonly stats: number[];
  readonly sketches: DistinctSketch[];
}

/**
 * One entity's whole window state, as Node holds it between reading it from Redis and writing it
 * back. `version` counts the events ever applied to it: it grows with every write, so it is the
 * compare-and-set token (and, being a function of the applied events only, two runs that applied
 * the same events store the same bytes).
 */
export interface EntityState {
  version: number;
  maxT: number | null;
  /**
   * Ids of events before this time were trimmed (at the allowed lateness in force then): such an
   * event is late even if the lateness was raised since, or it could be applied a second time.
   */
  idsFrom: number;
  /** Applied event ids and their event times, kept while an event of that time could still be applied (the allowed lateness). */
  readonly ids: Map<string, number>;
  /** Per window of the feature set, in its order: the live buckets. */
  windows: Bucket[][];
  /** The first 8 bytes of the stored value (the version as stored), empty when there was none: what the write compares. */
  readonly expected: Buffer;
  /** The stored value could not be decoded and was replaced by an empty state. */
  readonly unreadable?: boolean;
  /** Applied an event since it was read. */
  dirty: boolean;
}

/** A fingerprint of the windows' layout: state written under another layout keeps its ids and newest time, not its buckets. */
export function layoutOf(featureSet: FeatureSet): number {
  const shape = featureSet.windows.map((w) => [w.name, w.bucketMs, w.fields, w.distinct]);
  return hash53(JSON.stringify(shape)) % 4294967296;
}

const noBytes = Buffer.alloc(0);
/** f64 version, u32 layout, f64 newest event time, f64 ids-from time, u32 id count. */
const HEADER_BYTES = 32;

export function emptyState(featureSet: FeatureSet): EntityState {
  return {
    version: 0,
    maxT: null,
    idsFrom: -Infinity,
    ids: new Map(),
    windows: featureSet.windows.map(() => []),
    expected: noBytes,
    dirty: false,
  };
}

/**
 * Layout (little-endian): f64 version, u32 layout, f64 newest event time (NaN for none), f64 time
 * before which ids were trimmed (-Infinity for none), u32 ids,
 * per id f64 event time, u32 byte length, UTF-8 bytes; then per window u32 buckets, per bucket f64
 * bucket number, f64 count, 4 f64 per field, then per distinct field u8 kind (0 exact: u16 n, at
 * most EXACT_LIMIT, and n f64 hashes; 1 registers: 16,384 bytes). Lengths and counts are u32 so no
 * id or lateness, however large, makes a state impossible to write (a batch that can never succeed).
 */
export function decodeState(featureSet: FeatureSet, layout: number, buf: Buffer | null): EntityState {
  if (!buf || buf.length === 0) return emptyState(featureSet);
  try {
    const state = decodeStored(featureSet, layout, buf);
    if (state) return state;
  } catch {
    // Falls through: a value that is not a state (truncated, or written by something else).
  }
  // Replaced rather than retried forever: the compare-and-set still checks the bytes read, so
  // a concurrent writer is not overwritten. `unreadable` lets the caller count it.
  return { ...emptyState(featureSet), expected: buf.subarray(0, 8), unreadable: true };
}

/** A DataView over `buf`'s bytes: its reads and writes compile to loads and stores, Buffer#readDoubleLE's do not. */
const viewOf = (buf: Buffer) => new DataView(buf.buffer, buf.byteOffset, buf.byteLength);

function decodeStored(featureSet: FeatureSet, layout: number, buf: Buffer): EntityState | undefined {
  if (buf.length < HEADER_BYTES) return undefined;
  // Reads past the end throw a RangeError (decodeState's catch); the final length check catches the rest.
  const view = viewOf(buf);
  const version = view.getFloat64(0, true);
  const storedLayout = view.getUint32(8, true);
  const t = view.getFloat64(12, true);
  const idsFrom = view.getFloat64(20, true);
  const nIds = view.getUint32(28, true);
  let o = HEADER_BYTES;
  const ids = new Map<string, number>();
  for (let i = 0; i < nIds; i++) {
    const at = view.getFloat64(o, true);
    const len = view.getUint32(o + 8, true);
    ids.set(buf.toString('utf8', o + 12, o + 12 + len), at);
    o += 12 + len;
  }
  const state: EntityState = {
    version,
    maxT: Number.isNaN(t) ? null : t,
    idsFrom,
    ids,
    windows: featureSet.windows.map(() => []),
    expected: buf.subarray(0, 8),
    dirty: false,
  };
  if (storedLayout !== layout) return o <= buf.length ? state : undefined;
  featureSet.windows.forEach((w, wi) => {
    const n = view.getUint32(o, true);
    o += 4;
    const width = 4 * w.fields.length;
    const buckets: Bucket[] = [];
    for (let k = 0; k < n; k++) {
      const b = view.getFloat64(o, true);
      const count = view.getFloat64(o + 8, true);
      o += 16;
      const stats: number[] = [];
      for (let j = 0; j < width; j++, o += 8) stats.push(view.getFloat64(o, true));
      const sketches: DistinctSketch[] = [];
      for (let d = 0; d < w.distinct.length; d++) {
        if (view.getUint8(o++) === 0) {
          const size = view.getUint16(o, true);
          o += 2;
          const hashes: number[] = [];
          for (let j = 0; j < size; j++, o += 8) hashes.push(view.getFloat64(o, true));
          sketches.push({ kind: 'exact', hashes });
        } else {
          sketches.push({ kind: 'registers', registers: Uint8Array.from(buf.subarray(o, o + REGISTER_BYTES)) });
          o += REGISTER_BYTES;
        }
      }
      buckets.push({ b, count, stats, sketches });
    }
    state.windows[wi] = buckets;
  });
  return o === buf.length ? state : undefined;
}

/**
 * The state to store, trimmed so memory per entity stays bounded: ids older than the newest event
 * minus the allowed lateness (an event that old is late, so it cannot be applied whether or not its
 * id is known), and buckets no event that can still be applied, or a late event's read, can reach
 * (at most `ring` per window). Trimming depends only on the newest event time, so it is the same
 * whatever the batch boundaries were.
 */
export function encodeState(featureSet: FeatureSet, layout: number, s: EntityState): Buffer {
  // Trimmed in place (the state is not used after it is written): no copies on the hot path.
  const horizon = s.maxT === null ? -Infinity : s.maxT - featureSet.allowedLatenessMs;
  s.idsFrom = Math.max(s.idsFrom, horizon);
  let size = HEADER_BYTES;
  for (const [id, at] of s.ids) {
    if (at < horizon) s.ids.delete(id);
    else size += 12 + Buffer.byteLength(id);
  }
  for (let wi = 0; wi < featureSet.windows.length; wi++) {
    const w = featureSet.windows[wi]!;
    const oldest = Math.floor(horizon / w.bucketMs) - w.buckets;
    if (s.windows[wi]!.some((k) => k.b <= oldest)) s.windows[wi] = s.windows[wi]!.filter((k) => k.b > oldest);
    size += 4;
    for (const k of s.windows[wi]!) {
      size += 16 + 8 * k.stats.length;
      for (const sk of k.sketches) {
        // A u16 count (EXACT_LIMIT keeps it far below): a DataView would keep the low bits and write a corrupt state.
        if (sk.kind === 'exact' && sk.hashes.length > 0xffff) throw new RangeError(`exact sketch of ${sk.hashes.length} hashes`);
        size += 1 + (sk.kind === 'exact' ? 2 + 8 * sk.hashes.length : REGISTER_BYTES);
      }
    }
  }
  const buf = Buffer.allocUnsafe(size);
  const view = viewOf(buf);
  view.setFloat64(0, s.version, true);
  view.setUint32(8, layout, true);
  view.setFloat64(12, s.maxT ?? NaN, true);
  view.setFloat64(20, s.idsFrom, true);
  view.setUint32(28, s.ids.size, true);
  let o = HEADER_BYTES;
  for (const [id, at] of s.ids) {
    view.setFloat64(o, at, true);
    const bytes = buf.write(id, o + 12, 'utf8');
    view.setUint32(o + 8, bytes, true);
    o += 12 + bytes;
  }
  for (const buckets of s.windows) {
    view.setUint32(o, buckets.length, true);
    o += 4;
    for (const k of buckets) {
      view.setFloat64(o, k.b, true);
      view.setFloat64(o + 8, k.count, true);
      o += 16;
      for (const v of k.stats) {
        view.setFloat64(o, v, true);
        o += 8;
      }
      for (const sk of k.sketches) {
        if (sk.kind === 'exact') {
          view.setUint8(o, 0);
          view.setUint16(o + 1, sk.hashes.length, true);
          o += 3;
          for (const h of sk.hashes) {
            view.setFloat64(o, h, true);
            o += 8;
          }
        } else {
          view.setUint8(o++, 1);
          buf.set(sk.registers, o);
          o += REGISTER_BYTES;
        }
      }
    }
  }
  return buf;
}

/**
 * Applies one event to its entity's state and returns what its vector reads: the semantics of
 * docs/feature/semantics.md (late beyond the allowed lateness, already-applied ids skipped, windows of
 * `buckets` buckets ending with the event's bucket, or the newest event's for a late event).
 */
export function applyEvent(featureSet: FeatureSet, s: EntityState, e: StateEvent): EventState {
  const t = e.occurred_at;
  const maxT = s.maxT;
  const late = (maxT !== null && t < maxT - featureSet.allowedLatenessMs) || t < s.idsFrom;
  const duplicate = !late && s.ids.has(e.event_id);
  if (!late && !duplicate) {
    s.ids.set(e.event_id, t);
    s.version += 1;
    s.dirty = true;
    if (maxT === null || t > maxT) s.maxT = t;
    for (let wi = 0; wi < featureSet.windows.length; wi++) addToBucket(featureSet.windows[wi]!, s.windows[wi]!, t, e);
  }
  const readT = late ? maxT! : t;
  const windows: Record<string, WindowStats> = {};
  for (let wi = 0; wi < featureSet.windows.length; wi++) {
    const w = featureSet.windows[wi]!;
    windows[w.name] = aggregate(w, s.windows[wi]!, readT);
  }
  return { late, duplicate, previousEventTime: maxT, windows };
}

function addToBucket(w: WindowSpec, buckets: Bucket[], t: number, e: StateEvent): void {
  const b = Math.floor(t / w.bucketMs);
  let p: Bucket | undefined;
  for (let k = buckets.length - 1; k >= 0; k--) if (buckets[k]!.b === b) p = buckets[k];
  if (!p) {
    p = { b, count: 0, stats: new Array<number>(4 * w.fields.length).fill(0), sketches: w.distinct.map(emptySketch) };
    buckets.push(p);
  }
  const first = p.count === 0;
  p.count += 1;
  const st = p.stats;
  for (let f = 0; f < w.fields.length; f++) {
    const v = e[w.fields[f]!];
    const j = 4 * f;
    st[j] = st[j]! + v;
    st[j + 1] = st[j + 1]! + v * v;
    if (first || v < st[j + 2]!) st[j + 2] = v;
    if (first || v > st[j + 3]!) st[j + 3] = v;
  }
  for (let d = 0; d < w.distinct.length; d++) p.sketches[d] = sketchAdd(p.sketches[d]!, hash53(e[w.distinct[d]!]));
}

function aggregate(w: WindowSpec, buckets: readonly Bucket[], readT: number): WindowStats {
  const last = Math.floor(readT / w.bucketMs);
  const first = last - w.buckets;
  let count = 0;
  for (const k of buckets) if (k.b > first && k.b <= last) count += k.count;
  // One pass over the buckets per field, in scalars: no array is allocated per event and window.
  const fields: Partial<Record<NumericEventField, FieldStats>> = {};
  for (let f = 0; f < w.fields.length; f++) {
    const j = 4 * f;
    let sum = 0;
    let sumsq = 0;
    let min = NaN;
    let max = NaN;
    for (const k of buckets) {
      if (k.b <= first || k.b > last) continue;
      const st = k.stats;
      sum += st[j]!;
      sumsq += st[j + 1]!;
      if (!(st[j + 2]! >= min)) min = st[j + 2]!;
      if (!(st[j + 3]! <= max)) max = st[j + 3]!;
    }
    fields[w.fields[f]!] = count === 0 ? { sum: 0, sumsq: 0, min: null, max: null } : { sum, sumsq, min, max };
  }
  const distinct: Partial<Record<StringEventField, number>> = {};
  for (let d = 0; d < w.distinct.length; d++) {
    const sketches: DistinctSketch[] = [];
    for (const k of buckets) if (k.b > first && k.b <= last) sketches.push(k.sketches[d]!);
    distinct[w.distinct[d]!] = sketchCount(sketches);
  }
  return { count, fields, distinct };
}
