import { spawnSync } from 'node:child_process';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { fastMapTypeHook, MAX_SHAPES } from './avro-map-type.js';
import { loadSchema } from './avro-schemas.js';
import { cardFraudFeatures } from '../test/card-fraud-features.js';

const plain = (schema: unknown) => avro.Type.forSchema(schema as avro.Schema);
const fast = (schema: unknown) => avro.Type.forSchema(schema as avro.Schema, { typeHook: fastMapTypeHook });

/** Deterministic pseudo-random numbers (a 32-bit LCG), so a failure replays. */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** Keys that mean something special to JavaScript objects, JSON or V8, next to ordinary ones. */
const keyPool = [
  'amount',
  'txn_count_1h',
  '__proto__',
  'constructor',
  'toString',
  '0',
  '1',
  '42',
  '-1',
  '1.5',
  '',
  'ключ',
  'a"b',
  'line\nbreak',
  '💳',
  'hasOwnProperty',
];

/** Everything a consumer can observe of a decoded value: keys in order, values, prototypes, JSON. */
function observable(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value) || Array.isArray(value)) return value;
  const proto = Object.getPrototypeOf(value) as unknown;
  return {
    proto: proto === Object.prototype ? 'Object.prototype' : proto === null ? 'null' : 'other',
    json: JSON.stringify(value),
    entries: Object.keys(value).map((k) => [k, observable((value as Record<string, unknown>)[k])]),
  };
}

function expectSameDecode(schema: unknown, buf: Buffer, resolveFrom?: unknown) {
  const [p, f] = [plain(schema), fast(schema)];
  const decode = (t: avro.Type) => {
    try {
      const resolver = resolveFrom === undefined ? undefined : t.createResolver(plain(resolveFrom));
      return { ok: observable(t.fromBuffer(buf, resolver)) };
    } catch (err) {
      return { error: (err as Error).message };
    }
  };
  expect(decode(f)).toEqual(decode(p));
}

/** Avro's encoding of a long and of a string, to build maps avsc's writer would never produce. */
const long = (n: number) => plain('long').toBuffer(n);
const str = (s: string) => plain('string').toBuffer(s);

describe('fastMapTypeHook', () => {
  const featureMap = { type: 'map', values: ['null', 'double', 'string', 'boolean'] };

  it('decodes random maps exactly as avsc does, keys in order, values and prototypes alike', () => {
    const rand = lcg(7);
    const schemas = [
      featureMap,
      { type: 'map', values: 'long' },
      { type: 'map', values: { type: 'map', values: 'string' } },
      {
        type: 'record',
        name: 'Holder',
        fields: [
          { name: 'id', type: 'string' },
          { name: 'm', type: featureMap },
          { name: 'ms', type: { type: 'array', items: { type: 'map', values: 'int' } } },
        ],
      },
    ];
    const randomValue = (t: avro.Type): unknown => t.random();
    for (const schema of schemas) {
      const p = plain(schema);
      for (let i = 0; i < 300; i++) {
        // Fixed key lists most of the time (what the literal cache is for), random ones otherwise.
        const value = randomValue(p) as Record<string, unknown>;
        const keys = keyPool.filter(() => rand() < 0.4);
        const map = (inner: avro.Type) => Object.fromEntries(keys.map((k) => [k, randomValue(inner)]));
        const t = p as unknown as { valuesType?: avro.Type; fields?: { name: string; type: avro.Type }[] };
        const sample = t.valuesType
          ? map(t.valuesType)
          : { ...value, m: map((t.fields![1]!.type as unknown as { valuesType: avro.Type }).valuesType) };
        expectSameDecode(schema, p.toBuffer(sample));
      }
    }
  });

  it('decodes a feature vector as avsc does', () => {
    const schema = JSON.parse(loadSchema('featureVector').text) as unknown;
    const features = { ...cardFraudFeatures, is_ecom: false, missing: null };
    const vector = {
      event_id: 'e-1',
      entity_key: 'card-1',
      feature_set: 'card-fraud',
      feature_set_version: '2',
      event_time: 1,
      ingested_at: 2,
      feature_time: 3,
      late: false,
      features,
    };
    for (let i = 0; i < 3; i++) expectSameDecode(schema, plain(schema).toBuffer(vector));
    expect(loadSchema('featureVector').type.fromBuffer(plain(schema).toBuffer(vector))).toEqual(vector);
  });

  it('reads repeated keys, __proto__, sized blocks and several blocks as avsc does', () => {
    const schema = { type: 'map', values: 'long' };
    const cases = [
      // one block of 3 entries with a repeated key: the last value wins, the first position stays
      Buffer.concat([long(3), str('a'), long(1), str('b'), long(2), str('a'), long(3), long(0)]),
      // __proto__ with a number: assignment ignores it, so no own property
      Buffer.concat([long(2), str('__proto__'), long(1), str('x'), long(2), long(0)]),
      // a negative count announces the block's size in bytes (Avro spec, "Maps")
      Buffer.concat([long(-2), long(4), str('a'), long(1), str('b'), long(2), long(0)]),
      // two blocks
      Buffer.concat([long(1), str('a'), long(1), long(1), str('b'), long(2), long(0)]),
      // truncated in the middle of an entry
      Buffer.concat([long(2), str('a'), long(1), str('b')]),
    ];
    for (const buf of cases) for (let i = 0; i < 3; i++) expectSameDecode(schema, buf);
    // __proto__ with null sets the prototype when assigned: kept as avsc has it.
    expectSameDecode({ type: 'map', values: ['null', 'long'] }, Buffer.concat([long(1), str('__proto__'), long(0), long(0)]));
  });

  it('recognises the last key list by its bytes, and reads anything else as avsc does', () => {
    const schema = { type: 'map', values: 'long' };
    const p = plain(schema);
    const known = p.toBuffer({ alpha: 1, beta: 2, gamma: 3 });
    const invalidUtf8 = Buffer.concat([long(1), long(2), Buffer.from([0xff, 0xfe]), long(1), long(0)]);
    const cases = [
      p.toBuffer({ alpha: 1, beta: 2, gammb: 3 }), // last key differs in its last byte
      p.toBuffer({ alpha: 1, beta: 2 }), // a prefix of the list
      p.toBuffer({ alpha: 1, beta: 2, gamma: 3, delta: 4 }), // longer
      p.toBuffer({ beta: 2, alpha: 1, gamma: 3 }), // same keys, another order
      p.toBuffer({ alpha: 1, beta: 2, gam: 3 }), // a shorter key where a longer one was
      invalidUtf8,
      known.subarray(0, 8), // truncated inside the second key
      known.subarray(0, 3), // truncated inside the first key
      Buffer.concat([long(3), long(-1)]), // a negative key length
    ];
    // Each case right after the known list, so the reader expects that list's bytes.
    for (const buf of cases) {
      const f = fast(schema);
      f.fromBuffer(known);
      const p2 = plain(schema);
      const decode = (t: avro.Type) => {
        try {
          return { ok: observable(t.fromBuffer(buf)) };
        } catch (err) {
          return { error: (err as Error).message };
        }
      };
      expect(decode(f)).toEqual(decode(p2));
      expect(observable(f.fromBuffer(known))).toEqual(observable(p2.fromBuffer(known)));
    }
  });

  it('fails on a truncated key or a count the buffer cannot hold as avsc does, through decode too', () => {
    const schema = JSON.parse(loadSchema('featureVector').text) as unknown;
    const p = plain(schema);
    const full = p.toBuffer({
      event_id: 'e',
      entity_key: 'c',
      feature_set: 's',
      feature_set_version: '1',
      event_time: 1,
      ingested_at: 2,
      feature_time: 3,
      late: false,
      features: cardFraudFeatures,
    });
    const f = fast(schema);
    for (let cut = 1; cut < full.length; cut++) {
      const buf = full.subarray(0, cut);
      const run = (t: avro.Type) => {
        try {
          return { ok: observable(t.decode(buf, 0).value) };
        } catch (err) {
          return { error: (err as Error).message };
        }
      };
      expect(run(f)).toEqual(run(p));
    }
    expectSameDecode({ type: 'map', values: 'null' }, Buffer.concat([long(20_000_000), str('a')]));
    // Hundreds of decodes that throw, twice each, and a 20-million-entry count: seconds of CPU on a
    // loaded 2-core machine, where the default 5 s limit made this fail without anything being wrong.
  }, 30_000);

  it('keeps decoding correctly past the cache of key lists', () => {
    const schema = { type: 'map', values: 'int' };
    const p = plain(schema);
    for (let i = 0; i < MAX_SHAPES * 2; i++) {
      const value = Object.fromEntries(Array.from({ length: 1 + (i % 5) }, (_, k) => [`k${i}-${k}`, k]));
      expectSameDecode(schema, p.toBuffer(value));
    }
    expectSameDecode(schema, p.toBuffer(Object.fromEntries(Array.from({ length: 500 }, (_, k) => [`long-${k}`, k]))));
  });

  it('reads through a resolver when the writer schema differs from the reader', () => {
    const writer = { type: 'map', values: 'int' };
    const reader = { type: 'map', values: ['null', 'long', 'double'] };
    for (const value of [{ a: 1, b: 2 }, { a: 3, b: 4 }, { z: 1 }]) expectSameDecode(reader, plain(writer).toBuffer(value), writer);
  });

  it('gives maps hidden classes (fast properties), where avsc gives the features of a vector a hash table', () => {
    // %HasFastProperties needs V8's natives syntax, so the check runs in a child process. The
    // values are a real vector's (integers, doubles and strings side by side, as feature sets have).
    const script = `
      import avro from 'avsc';
      import { fastMapTypeHook } from ${JSON.stringify(new URL('./avro-map-type.ts', import.meta.url).pathname)};
      const schema = ${JSON.stringify(featureMap)};
      const features = ${JSON.stringify(cardFraudFeatures)};
      const buf = avro.Type.forSchema(schema).toBuffer(features);
      const fast = avro.Type.forSchema(schema, { typeHook: fastMapTypeHook });
      const plain = avro.Type.forSchema(schema);
      console.log(JSON.stringify({ fast: %HasFastProperties(fast.fromBuffer(buf)), plain: %HasFastProperties(plain.fromBuffer(buf)) }));
    `;
    const child = spawnSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ fast: true, plain: false });
  });
});
