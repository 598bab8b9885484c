import { describe, expect, it } from 'vitest';
import { parseAvroSchema } from './avro-schema.js';
import { checkCompatibility, confluentDetails, parseCompatibilityLevel } from './compatibility.js';
import type { PreviousSchema } from './compatibility.js';
import { recordSchema, repoSchema } from '../test/test-helpers.js';

const type = (text: string) => parseAvroSchema(text).type;
const history = (...texts: string[]): PreviousSchema[] => texts.map((text, i) => ({ version: i + 1, type: type(text), text }));
/** The error types of a check, [] when compatible. */
const errors = (failure: ReturnType<typeof checkCompatibility>) => failure?.incompatibilities.map((i) => i.errorType) ?? [];

const withA = recordSchema('R', [{ name: 'a', type: 'string' }]);
const withAandB = recordSchema('R', [
  { name: 'a', type: 'string' },
  { name: 'b', type: 'int', default: 0 },
]);
const withAandRequiredB = recordSchema('R', [
  { name: 'a', type: 'string' },
  { name: 'b', type: 'int' },
]);
const empty = recordSchema('R', []);
const aAsInt = recordSchema('R', [{ name: 'a', type: 'int', default: 0 }]);

describe('checkCompatibility', () => {
  it('accepts anything under NONE and anything as a first version', () => {
    expect(checkCompatibility('NONE', type(aAsInt), history(withA))).toBeUndefined();
    expect(checkCompatibility('FULL_TRANSITIVE', type(aAsInt), [])).toBeUndefined();
  });

  it('BACKWARD: a field added with a default is fine, without one it is not', () => {
    expect(checkCompatibility('BACKWARD', type(withAandB), history(withA))).toBeUndefined();
    const failure = checkCompatibility('BACKWARD', type(withAandRequiredB), history(withA));
    expect(failure).toMatchObject({ level: 'BACKWARD', version: 1, oldSchema: withA });
    expect(failure?.incompatibilities).toEqual([
      {
        errorType: 'READER_FIELD_MISSING_DEFAULT_VALUE',
        description: "The field 'b' at path '/fields/1' in the new schema has no default value and is missing in the old schema",
        additionalInfo: 'b',
      },
    ]);
  });

  it('FORWARD: removing a field without a default breaks old readers, adding one does not', () => {
    expect(checkCompatibility('FORWARD', type(withAandRequiredB), history(withA))).toBeUndefined();
    expect(errors(checkCompatibility('FORWARD', type(empty), history(withA)))).toHaveLength(1);
    // The same removal is fine BACKWARD: new readers ignore the field.
    expect(checkCompatibility('BACKWARD', type(empty), history(withA))).toBeUndefined();
  });

  it('FULL needs both directions', () => {
    expect(checkCompatibility('FULL', type(withAandB), history(withA))).toBeUndefined();
    expect(errors(checkCompatibility('FULL', type(withAandRequiredB), history(withA)))).toHaveLength(1);
    expect(errors(checkCompatibility('FULL', type(empty), history(withA)))).toHaveLength(1);
  });

  it('BACKWARD checks only the latest version, BACKWARD_TRANSITIVE all of them', () => {
    // v1 has a:string, v2 dropped it, v3 brings a back as an int with a default:
    // v3 reads v2 data (default fills a) but not v1 data (string is not int).
    const previous = history(withA, empty);
    expect(checkCompatibility('BACKWARD', type(aAsInt), previous)).toBeUndefined();
    const failure = checkCompatibility('BACKWARD_TRANSITIVE', type(aAsInt), previous);
    expect(failure?.version).toBe(1);
    expect(failure?.incompatibilities).toEqual([
      {
        errorType: 'TYPE_MISMATCH',
        description: "The type (path '/fields/0/type') of a field in the new schema does not match with the old schema",
        additionalInfo: 'reader type: INT not compatible with writer type: STRING',
      },
    ]);
  });

  it('FORWARD_TRANSITIVE and FULL_TRANSITIVE look at every version too', () => {
    const previous = history(withA, empty);
    expect(checkCompatibility('FORWARD', type(aAsInt), previous)).toBeUndefined();
    expect(checkCompatibility('FORWARD_TRANSITIVE', type(aAsInt), previous)).toBeDefined();
    expect(checkCompatibility('FULL_TRANSITIVE', type(aAsInt), previous)).toBeDefined();
  });

  it('treats a renamed record as incompatible, and the repository schema as compatible with itself', () => {
    expect(errors(checkCompatibility('BACKWARD', type(recordSchema('Other', [])), history(empty)))).toHaveLength(1);
    const paymentEvent = repoSchema('payment-event.avsc');
    expect(checkCompatibility('FULL_TRANSITIVE', type(paymentEvent), history(paymentEvent))).toBeUndefined();
  });
});

describe('confluentDetails', () => {
  it("renders a refusal as Confluent's details: reasons, then the old version, its schema and the level", () => {
    const failure = checkCompatibility('FORWARD', type(empty), history(withA));
    expect(confluentDetails(failure!)).toEqual([
      "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'a' at path '/fields/0' in the old schema has no default value and is missing in the new schema', additionalInfo:'a'}",
      '{oldSchemaVersion: 1}',
      `{oldSchema: '${withA}'}`,
      "{validateFields: 'false', compatibility: 'FORWARD'}",
    ]);
  });
});

describe('parseCompatibilityLevel', () => {
  it('accepts any case and refuses unknown levels', () => {
    expect(parseCompatibilityLevel('backward_transitive')).toBe('BACKWARD_TRANSITIVE');
    expect(parseCompatibilityLevel('SIDEWAYS')).toBeUndefined();
  });
});
