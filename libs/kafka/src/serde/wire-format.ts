import { serdeErrors } from './errors.js';

/**
 * The Confluent wire format: magic byte 0, the writer schema id as a 4-byte big-endian
 * integer, then the Avro binary body.
 */
export const MAGIC_BYTE = 0;
/** Bytes before the Avro body: magic byte plus schema id. */
export const WIRE_HEADER_SIZE = 5;

/** True when `buf` starts like a Confluent-framed message (used to spot Avro input on a JSON topic). */
export function isConfluentWireFormat(buf: Uint8Array): boolean {
  return buf.length >= WIRE_HEADER_SIZE && buf[0] === MAGIC_BYTE;
}

/**
 * The writer schema id of a Confluent-framed message.
 * Throws TW_SERDE_NOT_WIRE_FORMAT when `buf` is not framed; `isConfluentWireFormat` checks first.
 */
export function readWireSchemaId(buf: Uint8Array): number {
  if (!isConfluentWireFormat(buf)) throw notWireFormatError(buf);
  return readSchemaIdUnchecked(buf);
}

/** Reads the id of a buffer already known to be framed; signed like the Java serializer's int. */
export function readSchemaIdUnchecked(buf: Uint8Array): number {
  return (buf[1]! << 24) | (buf[2]! << 16) | (buf[3]! << 8) | buf[4]!;
}

/** Writes the 5-byte header at the start of `buf`. */
export function writeWireHeader(buf: Buffer, schemaId: number): void {
  buf[0] = MAGIC_BYTE;
  buf.writeInt32BE(schemaId, 1);
}

/** TW_SERDE_NOT_WIRE_FORMAT for `buf`, saying whether it was too short or had the wrong first byte. */
export function notWireFormatError(buf: Uint8Array) {
  const tooShort = buf.length < WIRE_HEADER_SIZE;
  const reason = tooShort
    ? `is ${buf.length} bytes long, shorter than the 5-byte header`
    : `starts with byte ${buf[0]}, not the magic byte 0`;
  return serdeErrors.create('TW_SERDE_NOT_WIRE_FORMAT', `message is not in the Confluent wire format: it ${reason}`, {
    details: tooShort ? { reason: 'too-short', length: buf.length } : { reason: 'magic-byte', firstByte: buf[0] },
  });
}
