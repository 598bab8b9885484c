import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { checkFastMapReader, VERIFIED_AVSC_VERSION } from './avro-map-self-check.js';
import { fastMapTypeHook, mapDecoding } from './avro-map-type.js';

/** A map type built by `read`, standing in for a fast reader that went wrong under a new avsc. */
function brokenReader(read: (plain: (tap: unknown) => Record<string, unknown>, tap: unknown) => unknown) {
  return (schema: avro.Schema, opts: avro.ForSchemaOptions): avro.Type => {
    const plainRead = (avro.types.MapType.prototype as unknown as { _read(tap: unknown): Record<string, unknown> })._read;
    class Broken extends avro.types.MapType {
      _read(tap: unknown): unknown {
        return read((t) => plainRead.call(this, t), tap);
      }
    }
    return new Broken(schema, opts);
  };
}

describe('the fast map reader start-up check', () => {
  it('passes on the installed avsc, so maps are read by the fast reader', () => {
    expect(mapDecoding()).toEqual({ mode: 'fast', problem: null });
    const type = avro.Type.forSchema({ type: 'map', values: 'int' }, { typeHook: fastMapTypeHook });
    expect(type.constructor).not.toBe(avro.types.MapType);
  });

  it('fails on another avsc release than the verified one', () => {
    const problem = checkFastMapReader(fastMapTypeHookCreate(), '5.8.0');
    expect(problem).toContain(`verified on ${VERIFIED_AVSC_VERSION}`);
  });

  it('fails when the reader decodes a sample differently from avsc or throws', () => {
    // Values right, key order reversed: only an order-sensitive comparison sees it.
    const reversed = brokenReader((plain, tap) => Object.fromEntries(Object.entries(plain(tap)).reverse()));
    expect(checkFastMapReader(reversed, VERIFIED_AVSC_VERSION)).toMatch(/^decoded [0-9a-f]+ .* as .*, avsc as /);
    const throwing = brokenReader(() => {
      throw new TypeError('tap.readLong is not a function');
    });
    expect(checkFastMapReader(throwing, VERIFIED_AVSC_VERSION)).toMatch(/decoded .*tap.readLong is not a function/);
    const unbuildable = () => {
      throw new TypeError('Class extends value undefined is not a constructor or null');
    };
    expect(checkFastMapReader(unbuildable, VERIFIED_AVSC_VERSION)).toMatch(/failed to build or decode: Class extends/);
  });
});

/** The hook's own map type, without the once-per-process check in front of it. */
function fastMapTypeHookCreate() {
  return (schema: avro.Schema, opts: avro.ForSchemaOptions): avro.Type => fastMapTypeHook(schema, opts)!;
}
