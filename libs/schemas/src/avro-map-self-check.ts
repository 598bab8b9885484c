import { createRequire } from 'node:module';
import avro from 'avsc';

/**
 * The avsc release whose private internals (`MapType.prototype._read`, `Tap`) the fast map reader
 * was checked against; every package.json pins it exactly, and `avsc-internals.test.ts` fails when
 * the installed avsc or the internals differ (docs/adr/0007-feature-vector-map-decoding.md).
 */
export const VERIFIED_AVSC_VERSION = '5.7.9';

/** What the start-up check found: `null` when the fast reader may be used, else why not. */
export type SelfCheckProblem = string | null;

type CreateMapType = (schema: avro.Schema, opts: avro.ForSchemaOptions) => avro.Type;

/** The avsc version this process loaded (read from its package.json, which has no exports map). */
export function installedAvscVersion(): string {
  const pkg: unknown = createRequire(import.meta.url)('avsc/package.json');
  const version = (pkg as { version?: unknown }).version;
  return typeof version === 'string' ? version : 'unknown';
}

/** Avro's encoding of a long and of a string, for buffers avsc's writer never produces. */
const long = (n: number) => avro.Type.forSchema('long').toBuffer(n);
const str = (s: string) => avro.Type.forSchema('string').toBuffer(s);

/** Deep equality of what a consumer can observe: prototypes, own keys in order, values. */
function same(a: unknown, b: unknown): boolean {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return Object.is(a, b);
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const [ka, kb] = [Object.keys(a), Object.keys(b)];
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
  return ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** A decode's result or its error message, so failures compare too. */
function outcome(read: () => unknown): { ok: unknown } | { error: string } {
  try {
    return { ok: read() };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

const featureValues = ['null', 'double', 'string', 'boolean'];
const features = { amount: 27.72, country: 'DE', hour_of_day: 15, is_ecom: false, missing: null, zscore: -0.363 };

/** Samples covering each path of the fast reader: [reader schema, buffers read in order, writer schema]. */
function samples(): [avro.Schema, Buffer[], avro.Schema?][] {
  const fv = avro.Type.forSchema({ type: 'map', values: featureValues });
  const known = fv.toBuffer(features);
  return [
    // First sight (trie and literal), then recognised by bytes, then a list that differs late,
    // then every truncation of the known list (errors must match too).
    [
      { type: 'map', values: featureValues },
      [
        known,
        known,
        fv.toBuffer({ ...features, zscorf: 1 }),
        known,
        ...Array.from({ length: known.length }, (_, i) => known.subarray(0, i)),
      ],
    ],
    [
      { type: 'map', values: 'long' },
      [
        Buffer.concat([long(-2), long(4), str('a'), long(1), str('b'), long(2), long(0)]), // sized block
        Buffer.concat([long(1), str('a'), long(1), long(1), str('b'), long(2), long(0)]), // two blocks
        Buffer.concat([long(3), str('a'), long(1), str('b'), long(2), str('a'), long(3), long(0)]), // repeated key
        Buffer.concat([long(1), str('__proto__'), long(1), long(0)]),
      ],
    ],
    // Through a resolver (it borrows the reader's _read).
    [
      { type: 'map', values: ['null', 'long'] },
      [avro.Type.forSchema({ type: 'map', values: 'int' }).toBuffer({ a: 1, b: 2 })],
      { type: 'map', values: 'int' },
    ],
  ];
}

/**
 * Whether `create` (the fast map type) decodes a fixed set of samples exactly as avsc's own map
 * type does, and the installed avsc is the verified one. Run once per process before the first
 * fast map type is handed out; a few milliseconds, once. It cannot prove the override right for every
 * input (the unit tests do that for the pinned release); it catches an avsc that was swapped
 * under the pin, or internals that moved, before a wrong vector is decoded.
 */
export function checkFastMapReader(create: CreateMapType, version = installedAvscVersion()): SelfCheckProblem {
  if (version !== VERIFIED_AVSC_VERSION)
    return `avsc ${version} is installed; the fast map reader was verified on ${VERIFIED_AVSC_VERSION}`;
  try {
    for (const [schema, buffers, writer] of samples()) {
      const plain = avro.Type.forSchema(schema);
      // As loadSchema builds it: through forSchema's typeHook, with avsc's own options.
      const fast = avro.Type.forSchema(schema, { typeHook: (s, opts) => (s === schema ? create(s, opts) : undefined) });
      const writerType = writer === undefined ? undefined : avro.Type.forSchema(writer);
      const [pr, fr] = [writerType && plain.createResolver(writerType), writerType && fast.createResolver(writerType)];
      for (const buf of buffers) {
        const expected = outcome(() => plain.fromBuffer(buf, pr));
        const actual = outcome(() => fast.fromBuffer(buf, fr));
        if (!same(actual, expected)) {
          return `decoded ${Buffer.from(buf).toString('hex')} (${JSON.stringify(schema)}) as ${JSON.stringify(actual)}, avsc as ${JSON.stringify(expected)}`;
        }
      }
    }
    return null;
  } catch (err) {
    return `the fast map reader failed to build or decode: ${err instanceof Error ? err.message : String(err)}`;
  }
}
