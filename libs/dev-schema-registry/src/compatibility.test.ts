import { describe, expect, it } from 'vitest';
import { parseAvroSchema } from './avro-schema.js';
import { checkCompatibility, parseCompatibilityLevel } from './compatibility.js';
import type { PreviousSchema } from './compatibility.js';
import { recordSchema, repoSchema } from './test-helpers.js';

const type = (text: string) => parseAvroSchema(text).type;
const history = (...texts: string[]): PreviousSchema[] => texts.map((text, i) => ({ version: i + 1, type: type(text) }));

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
    expect(checkCompatibility('NONE', type(aAsInt), history(withA))).toEqual([]);
    expect(checkCompatibility('FULL_TRANSITIVE', type(aAsInt), [])).toEqual([]);
  });

  it('BACKWARD: a field added with a default is fine, without one it is not', () => {
    expect(checkCompatibility('BACKWARD', type(withAandB), history(withA))).toEqual([]);
    const problems = checkCompatibility('BACKWARD', type(withAandRequiredB), history(withA));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/cannot read data written with version 1/);
  });

  it('FORWARD: removing a field without a default breaks old readers, adding one does not', () => {
    expect(checkCompatibility('FORWARD', type(withAandRequiredB), history(withA))).toEqual([]);
    expect(checkCompatibility('FORWARD', type(empty), history(withA))).toHaveLength(1);
    // The same removal is fine BACKWARD: new readers ignore the field.
    expect(checkCompatibility('BACKWARD', type(empty), history(withA))).toEqual([]);
  });

  it('FULL needs both directions', () => {
    expect(checkCompatibility('FULL', type(withAandB), history(withA))).toEqual([]);
    expect(checkCompatibility('FULL', type(withAandRequiredB), history(withA))).toHaveLength(1);
    expect(checkCompatibility('FULL', type(empty), history(withA))).toHaveLength(1);
  });

  it('BACKWARD checks only the latest version, BACKWARD_TRANSITIVE all of them', () => {
    // v1 has a:string, v2 dropped it, v3 brings a back as an int with a default:
    // v3 reads v2 data (default fills a) but not v1 data (string is not int).
    const previous = history(withA, empty);
    expect(checkCompatibility('BACKWARD', type(aAsInt), previous)).toEqual([]);
    const problems = checkCompatibility('BACKWARD_TRANSITIVE', type(aAsInt), previous);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/version 1/);
  });

  it('FORWARD_TRANSITIVE and FULL_TRANSITIVE look at every version too', () => {
    const previous = history(withA, empty);
    expect(checkCompatibility('FORWARD', type(aAsInt), previous)).toEqual([]);
    expect(checkCompatibility('FORWARD_TRANSITIVE', type(aAsInt), previous)).not.toEqual([]);
    expect(checkCompatibility('FULL_TRANSITIVE', type(aAsInt), previous)).not.toEqual([]);
  });

  it('treats a renamed record as incompatible, and the repository schema as compatible with itself', () => {
    expect(checkCompatibility('BACKWARD', type(recordSchema('Other', [])), history(empty))).toHaveLength(1);
    const paymentEvent = repoSchema('payment-event.avsc');
    expect(checkCompatibility('FULL_TRANSITIVE', type(paymentEvent), history(paymentEvent))).toEqual([]);
  });
});

describe('parseCompatibilityLevel', () => {
  it('accepts any case and refuses unknown levels', () => {
    expect(parseCompatibilityLevel('backward_transitive')).toBe('BACKWARD_TRANSITIVE');
    expect(parseCompatibilityLevel('SIDEWAYS')).toBeUndefined();
  });
});
