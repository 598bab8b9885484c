import avro from 'avsc';
import { checkFastMapReader } from './avro-map-self-check.js';
import type { SelfCheckProblem } from './avro-map-self-check.js';

/**
 * An avsc type hook that reads Avro maps into fast-mode objects.
 *
 * avsc's map reader adds each entry with a computed key (`val[key] = ...`). For a real feature
 * vector (integers, doubles and strings side by side) V8 ends up with a hash table ("dictionary
 * mode"): about 4 KB of tables per decode, the largest allocation on the online store's read path
 * (a sampling heap profile of `batchGet`), and slower for `JSON.stringify` to walk than an object
 * with a hidden class. Maps of one schema nearly always carry the same keys in the same order (a
 * feature set's output names), so this reader keeps, per map type, a small cache of key lists it
 * has seen and a function per list that returns an object literal of those keys: the object V8
 * builds for a literal has a hidden class.
 *
 * What a consumer sees is unchanged: the same own properties with the same values in the same
 * enumeration order, and the same errors on malformed input (`avro-map-type.test.ts` compares the
 * two). A key list that is new when the cache is full, that repeats a key, names `__proto__` or
 * has too many or too long keys is read as avsc reads it, and so is anything the fast path cannot
 * hold exactly (a truncated key, a block count the buffer cannot hold).
 */
export function fastMapTypeHook(schema: avro.Schema, opts: avro.ForSchemaOptions): avro.Type | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema) || (schema as { type?: unknown }).type !== 'map') {
    return undefined;
  }
  return mapDecoding().mode === 'fast' ? createFastMapType(schema, opts) : undefined;
}

/** How this process decodes Avro maps, and why when it is avsc's own reader. */
export interface MapDecoding {
  readonly mode: 'fast' | 'avsc';
  readonly problem: SelfCheckProblem;
}

let decoding: MapDecoding | undefined;

/**
 * Checked once per process, on the first map type: the reader relies on avsc internals (pinned,
 * docs/adr/0007-feature-vector-map-decoding.md), so if they no longer decode a known sample as
 * avsc does, maps are read by avsc itself (about half as fast) with a process warning, never wrong.
 */
export function mapDecoding(): MapDecoding {
  if (decoding) return decoding;
  const problem = checkFastMapReader(createFastMapType);
  decoding = Object.freeze({ mode: problem === null ? 'fast' : 'avsc', problem });
  if (problem !== null) {
    process.emitWarning(`Avro maps are decoded by avsc's own reader, not the fast one: ${problem}`, {
      code: 'TIDEWATER_AVRO_MAP_FALLBACK',
    });
  }
  return decoding;
}

/** Key lists remembered per map type; beyond it new lists are read as avsc reads them. */
export const MAX_SHAPES = 64;
/** Longest key list given a literal (V8 keeps literals up to a few hundred properties in fast mode). */
export const MAX_SHAPE_KEYS = 128;

/** Longest key a cached list may have: the cache's memory stays bounded whatever the input. */
export const MAX_KEY_LENGTH = 256;

/** Whether a key list may enter the cache (walk the trie, get a literal). */
const cacheable = (keys: readonly string[]) =>
  keys.length > 0 && keys.length <= MAX_SHAPE_KEYS && keys.every((k) => k.length <= MAX_KEY_LENGTH);

type Build = (values: unknown[]) => Record<string, unknown>;

/** A key list with a literal builder, and its keys' UTF-8 bytes (to recognise them without decoding). */
interface Shape {
  readonly build: Build;
  readonly keys: readonly string[];
  readonly bytes: readonly Buffer[];
}

/** A trie over key lists: the node reached by a list's keys holds its shape, or `null` when it gets none. */
interface ShapeNode {
  readonly next: Map<string, ShapeNode>;
  shape?: Shape | null;
}

/**
 * The slice of avsc's Tap the reader uses: the class is internal to avsc, and these methods and
 * fields have been as they are since avsc 5.0 (its own types read them the same way). avsc is
 * pinned exactly and `avsc-internals.test.ts` fails when any internal used here changes.
 */
interface Tap {
  buf: Buffer;
  pos: number;
  readLong(): number;
  skipLong(): void;
  readString(): string | undefined;
}

/**
 * The next key: `expected` itself when the bytes are its UTF-8 bytes (no string is decoded or
 * allocated), else what avsc's `readString` reads, from the same position (so a malformed or
 * truncated key fails exactly as it would in avsc).
 */
function readKey(tap: Tap, expected: string | undefined, expectedBytes: Buffer | undefined): string | undefined {
  if (expectedBytes !== undefined) {
    const start = tap.pos;
    const len = tap.readLong();
    const buf = tap.buf;
    const pos = tap.pos;
    if (len === expectedBytes.length && pos + len <= buf.length) {
      let k = 0;
      while (k < len && buf[pos + k] === expectedBytes[k]) k++;
      if (k === len) {
        tap.pos = pos + len;
        return expected!;
      }
    }
    tap.pos = start;
  }
  return tap.readString();
}

interface ValuesType {
  _read(tap: Tap): unknown;
}

function createFastMapType(schema: avro.Schema, opts: avro.ForSchemaOptions): avro.Type {
  const root: ShapeNode = { next: new Map() };
  let shapes = 0;

  /** The shape read last: the next map most likely has the same keys (a feature set's names). */
  let last: Shape | undefined;

  /** The shape of `keys`, made and remembered on first sight while there is room. */
  const shapeOf = (keys: readonly string[]): Shape | null => {
    let node = root;
    for (const key of keys) {
      let child = node.next.get(key);
      if (child === undefined) {
        if (shapes >= MAX_SHAPES) return null;
        child = { next: new Map() };
        node.next.set(key, child);
      }
      node = child;
    }
    if (node.shape === undefined) {
      if (shapes >= MAX_SHAPES) return null;
      shapes += 1;
      const build = mapValueBuilder(keys);
      node.shape = build && { build, keys: [...keys], bytes: keys.map((k) => Buffer.from(k, 'utf8')) };
    }
    return node.shape;
  };

  /** avsc's own reader from `start` (a resolver borrows `_read`, so `self` may be one: both have `valuesType`). */
  const plainRead = (self: unknown, tap: Tap, start: number): Record<string, unknown> => {
    tap.pos = start;
    return (avro.types.MapType.prototype as unknown as { _read(t: Tap): Record<string, unknown> })._read.call(self, tap);
  };

  // avsc freezes its types in their constructors, so the cache lives in this closure, not on `this`.
  // Resolvers (a writer schema other than the reader's) borrow the reader's `_read`, cache included.
  class FastMapType extends avro.types.MapType {
    _read(tap: Tap): Record<string, unknown> {
      const values = (this as unknown as { valuesType: ValuesType }).valuesType;
      const start = tap.pos;
      const expected = last;
      const keys: string[] = [];
      const vals: unknown[] = [];
      let n: number;
      while ((n = tap.readLong())) {
        if (n < 0) {
          // A block with its byte size: the count is negated (Avro spec, "Maps").
          n = -n;
          tap.skipLong();
        }
        // A count the rest of the buffer cannot hold (each entry takes a byte at least): avsc's own
        // reader, which does not collect entries first, so a bogus huge count fails as it does there.
        if (n > tap.buf.length - tap.pos) return plainRead(this, tap, start);
        while (n--) {
          const i = keys.length;
          const key = readKey(tap, expected?.keys[i], expected?.bytes[i]);
          // Past the end (avsc's readString gives undefined): avsc's reader, for its exact result.
          if (typeof key !== 'string') return plainRead(this, tap, start);
          keys.push(key);
          vals.push(values._read(tap));
        }
      }
      // The same keys as the last map (the same strings when recognised by their bytes): no trie walk.
      const same = expected !== undefined && keys.length === expected.keys.length && keys.every((k, i) => k === expected.keys[i]);
      const shape = same ? expected : cacheable(keys) ? shapeOf(keys) : null;
      if (shape) {
        last = shape;
        return shape.build(vals);
      }
      // avsc's own way, for what gets no literal.
      const val: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) val[keys[i]!] = vals[i];
      return val;
    }
  }
  return new FastMapType(schema, opts);
}

/**
 * `(v) => ({ "k0": v[0], "k1": v[1], ... })` for these keys: map values of a fixed key list as
 * objects with one hidden class, as this reader returns them (the feature service builds its
 * vectors' features with it too). Null where a literal would not mean what assignment does:
 * `__proto__` in a literal sets the prototype, and a repeated key is left to assignment so that
 * no subtlety of literals has to be relied on.
 */
export function mapValueBuilder(keys: readonly string[]): Build | null {
  if (new Set(keys).size !== keys.length || keys.includes('__proto__')) return null;
  // JSON string literals are JavaScript string literals: any key is quoted safely.
  const body = `return { ${keys.map((k, i) => `${JSON.stringify(k)}: v[${i}]`).join(', ')} };`;
  return new Function('v', body) as Build;
}
