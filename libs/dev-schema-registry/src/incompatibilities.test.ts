import { describe, expect, it } from 'vitest';
import { parseAvroSchema } from './avro-schema.js';
import { findIncompatibilities, formatIncompatibility } from './incompatibilities.js';
import { recordSchema } from '../test/test-helpers.js';

const type = (schema: unknown) => parseAvroSchema(typeof schema === 'string' ? schema : JSON.stringify(schema)).type;
const record = (fields: unknown[]) => type(recordSchema('R', fields as Record<string, unknown>[]));
const errorTypes = (reader: unknown[], writer: unknown[]) =>
  findIncompatibilities(record(reader), record(writer), 'new').map((i) => i.errorType);

describe('findIncompatibilities', () => {
  it('finds nothing where Avro resolves: promotions, defaults, a widened union', () => {
    expect(errorTypes([{ name: 'a', type: 'double' }], [{ name: 'a', type: 'int' }])).toEqual([]);
    expect(errorTypes([{ name: 'a', type: 'string' }], [{ name: 'a', type: 'bytes' }])).toEqual([]);
    expect(errorTypes([{ name: 'b', type: 'int', default: 1 }], [])).toEqual([]);
    expect(errorTypes([{ name: 'a', type: ['null', 'string', 'long'] }], [{ name: 'a', type: 'string' }])).toEqual([]);
  });

  it('names the path of a type change inside arrays and maps', () => {
    const found = findIncompatibilities(
      record([{ name: 'xs', type: { type: 'map', values: { type: 'array', items: 'int' } } }]),
      record([{ name: 'xs', type: { type: 'map', values: { type: 'array', items: 'string' } } }]),
      'new',
    );
    expect(found).toEqual([
      {
        errorType: 'TYPE_MISMATCH',
        description: "The type (path '/fields/0/type/values/items') of a field in the new schema does not match with the old schema",
        additionalInfo: 'reader type: INT not compatible with writer type: STRING',
      },
    ]);
  });

  it('reports a union branch the reader lacks, per writer branch', () => {
    const found = findIncompatibilities(
      record([{ name: 'a', type: ['null', 'string'] }]),
      record([{ name: 'a', type: ['null', 'int'] }]),
      'old',
    );
    expect(found).toEqual([
      {
        errorType: 'MISSING_UNION_BRANCH',
        description: "The old schema is missing a type inside a union field at path '/fields/0/type/1' in the new schema",
        additionalInfo: 'reader union lacking writer type: INT',
      },
    ]);
  });

  it('reports missing enum symbols unless the reader has a default, and fixed sizes and renamed types', () => {
    const e = (symbols: string[], extra = {}) => ({ name: 'e', type: { type: 'enum', name: 'E', symbols, ...extra } });
    expect(errorTypes([e(['A'])], [e(['A', 'B'])])).toEqual(['MISSING_ENUM_SYMBOLS']);
    expect(errorTypes([e(['A', 'X'], { default: 'X' })], [e(['A', 'B'])])).toEqual([]);
    const f = (size: number, name = 'F') => ({ name: 'f', type: { type: 'fixed', name, size } });
    expect(errorTypes([f(4)], [f(8)])).toEqual(['FIXED_SIZE_MISMATCH']);
    expect(errorTypes([f(4, 'G')], [f(4)])).toEqual(['NAME_MISMATCH']);
  });

  it("formats one the way Confluent's 409 details do", () => {
    const [missing] = findIncompatibilities(record([{ name: 'b', type: 'int' }]), record([]), 'new');
    expect(formatIncompatibility(missing!)).toBe(
      "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'b' at path '/fields/0' in the new schema has no default value and is missing in the old schema', additionalInfo:'b'}",
    );
  });
});
