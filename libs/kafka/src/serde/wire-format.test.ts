import { describe, expect, it } from 'vitest';
import { serdeErrors } from './errors.js';
import { isConfluentWireFormat, readWireSchemaId, writeWireHeader } from './wire-format.js';

describe('Confluent wire format', () => {
  it('reads the big-endian schema id after the magic byte', () => {
    expect(readWireSchemaId(Buffer.from([0, 0, 0, 1, 2, 0x42]))).toBe(258);
    expect(readWireSchemaId(Buffer.from([0, 0x7f, 0xff, 0xff, 0xff]))).toBe(2 ** 31 - 1);
  });

  it('writes a header that reads back', () => {
    const buf = Buffer.alloc(8);
    writeWireHeader(buf, 123_456);
    expect([...buf.subarray(0, 5)]).toEqual([0, 0, 1, 0xe2, 0x40]);
    expect(readWireSchemaId(buf)).toBe(123_456);
  });

  it('tells framed Avro from JSON and short input', () => {
    expect(isConfluentWireFormat(Buffer.from([0, 0, 0, 0, 1]))).toBe(true);
    expect(isConfluentWireFormat(Buffer.from('{"event_id":"e1"}'))).toBe(false);
    expect(isConfluentWireFormat(Buffer.from([0, 0, 0, 1]))).toBe(false);
    expect(isConfluentWireFormat(Buffer.alloc(0))).toBe(false);
  });

  it('refuses to read an id from unframed bytes with TW_SERDE_NOT_WIRE_FORMAT', () => {
    for (const buf of [Buffer.from([0, 1]), Buffer.from('{"a":1}')]) {
      try {
        readWireSchemaId(buf);
        expect.unreachable('readWireSchemaId accepted unframed bytes');
      } catch (err) {
        expect(serdeErrors.is(err, 'TW_SERDE_NOT_WIRE_FORMAT')).toBe(true);
      }
    }
  });
});
