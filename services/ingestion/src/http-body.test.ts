import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitBody } from './http-body.js';

describe('splitBody', () => {
  it('splits NDJSON into lines as sent: LF, CRLF, no final newline, blank and whitespace-only lines skipped', () => {
    const body = Buffer.from('{"a":1}\r\n\n  \t\n{"b": 2}\n{"c":3}');
    const split = splitBody(body, true);
    expect(split.kind).toBe('items');
    expect(split.kind === 'items' && split.items.map((i) => i.bytes.toString())).toEqual(['{"a":1}', '{"b": 2}', '{"c":3}']);
  });

  it('keeps the bytes of a broken NDJSON line for the dead-letter topic', () => {
    const bad = Buffer.from([0x7b, 0xff, 0x7d]);
    const split = splitBody(Buffer.concat([Buffer.from('{"a":1}\n'), bad, Buffer.from('\n')]), true);
    expect(split.kind === 'items' && split.items[1]!.bytes).toEqual(bad);
  });

  it('takes a JSON object as one item with its own bytes, an array as one item per element', () => {
    const one = Buffer.from('{ "a" : 1 }');
    const single = splitBody(one, false);
    expect(single.kind === 'items' && single.items).toEqual([{ bytes: one, decoded: { a: 1 } }]);
    const many = splitBody(Buffer.from('\ufeff [ {"a" : [1, {"]": "},\\"["}]}, 2,null , 1e400, "é,]"\n]'), false);
    // Each element keeps its bytes as sent (spacing, escapes, 1e400 that JSON.parse turns into Infinity).
    expect(many.kind === 'items' && many.items.map((i) => i.bytes.toString())).toEqual([
      '{"a" : [1, {"]": "},\\"["}]}',
      '2',
      'null',
      '1e400',
      '"é,]"',
    ]);
    expect(splitBody(Buffer.from('[]'), false)).toEqual({ kind: 'items', items: [] });
  });

  it('gives every element of any JSON array its own bytes, which parse to that element', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue()), fc.constantFrom(undefined, 1, '\t', ' \r\n'), (array, indent) => {
        const text = JSON.stringify(array, null, indent);
        const split = splitBody(Buffer.from(text), false);
        if (split.kind !== 'items') throw new Error('a JSON array must split into items');
        expect(split.items.map((i) => JSON.parse(i.bytes.toString()) as unknown)).toEqual(JSON.parse(text));
        // Nothing but separators and whitespace lies between the elements' bytes.
        const rest = split.items.reduce((t, i) => t.replace(i.bytes.toString(), ''), text);
        expect(rest).toMatch(/^[[\],\s]*$/);
      }),
      { numRuns: 300 },
    );
  });

  it('reports a body that is not UTF-8 JSON as malformed, whole', () => {
    const body = Buffer.from('[{"a":1},');
    expect(splitBody(body, false)).toEqual({ kind: 'malformed', bytes: body });
  });
});
