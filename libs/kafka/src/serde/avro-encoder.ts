import type { Type } from 'avsc';
import { serdeErrors } from './errors.js';
import { invalidValueError } from './invalid-value.js';
import { classifyRegistryFailure, registryTransportError } from './registry-failures.js';
import type { SchemaRegistry } from './registry-failures.js';
import { schemaLabel } from './serde-schema.js';
import type { SerdeSchema } from './serde-schema.js';
import { WIRE_HEADER_SIZE, writeWireHeader } from './wire-format.js';

/** Encodes values of one schema into Confluent-framed Avro with a schema id resolved once. */
export interface AvroEncoder<T> {
  /** The registry id written into every message. */
  readonly schemaId: number;
  /** Frames and encodes `value`; throws TW_SERDE_INVALID_VALUE naming the offending fields. */
  encode(value: T): Buffer;
}

export interface AvroEncoderOptions {
  readonly registry: SchemaRegistry;
  /** Registry subject, e.g. `events.valid-value` (topic name strategy). */
  readonly subject: string;
  readonly schema: SerdeSchema;
  /**
   * Register the schema under the subject (idempotent) instead of only looking it up.
   * Defaults to true unless NODE_ENV is `production`, where schemas are registered by deployment.
   */
  readonly autoRegister?: boolean;
  /** Ask the registry to normalize the schema text; must match how it was registered. Default false. */
  readonly normalize?: boolean;
}

// Most records encode in well under 1 KiB; the scratch buffer doubles when one does not.
const INITIAL_SCRATCH_BYTES = 1024;

/**
 * Resolves the schema id of `schema` under `subject` once (registering it when `autoRegister`),
 * then returns an encoder whose per-message path never touches the registry.
 */
export async function createAvroEncoder<T>(opts: AvroEncoderOptions): Promise<AvroEncoder<T>> {
  const schemaId = await resolveSchemaId(opts);
  return createEncoderForId<T>(opts.schema.type, schemaId);
}

/** The per-message half of the encoder, once the id is known. */
function createEncoderForId<T>(type: Type, schemaId: number): AvroEncoder<T> {
  // Encoding into one reusable buffer and copying out the exact length is avsc's own
  // toBuffer strategy, with the 5-byte header written once instead of concatenated per message.
  let scratch = newScratch(INITIAL_SCRATCH_BYTES, schemaId);

  function encodeInto(value: T): number {
    try {
      return type.encode(value, scratch, WIRE_HEADER_SIZE);
    } catch (cause) {
      throw invalidValueError(type, value, cause);
    }
  }

  return {
    schemaId,
    encode(value: T): Buffer {
      let end = encodeInto(value);
      if (end < 0) {
        // avsc returns minus the number of missing bytes when the buffer was too small.
        scratch = newScratch(nextPowerOfTwo(scratch.length - end), schemaId);
        end = encodeInto(value);
      }
      const out = Buffer.allocUnsafe(end);
      scratch.copy(out, 0, 0, end);
      return out;
    },
  };
}

function newScratch(size: number, schemaId: number): Buffer {
  const buf = Buffer.allocUnsafeSlow(size);
  writeWireHeader(buf, schemaId);
  return buf;
}

function nextPowerOfTwo(n: number): number {
  return 2 ** Math.ceil(Math.log2(n));
}

async function resolveSchemaId(opts: AvroEncoderOptions): Promise<number> {
  const { registry, subject, schema } = opts;
  const autoRegister = opts.autoRegister ?? process.env['NODE_ENV'] !== 'production';
  const normalize = opts.normalize ?? false;
  const info = { schemaType: 'AVRO', schema: schema.text };
  const label = schemaLabel(schema);
  try {
    return autoRegister ? await registry.register(subject, info, normalize) : await registry.getId(subject, info, normalize);
  } catch (cause) {
    const kind = classifyRegistryFailure(cause);
    if (kind === 'not-found' && !autoRegister) {
      throw serdeErrors.create('TW_SERDE_SCHEMA_NOT_REGISTERED', `subject ${subject} does not hold schema ${label}; register it first`, {
        cause,
        details: { subject, schema: label },
      });
    }
    if (kind === 'conflict' || kind === 'invalid') {
      throw serdeErrors.create('TW_SERDE_SCHEMA_REJECTED', `registry rejected schema ${label} under subject ${subject}`, {
        cause,
        details: { subject, schema: label, reason: kind === 'conflict' ? 'incompatible' : 'invalid' },
      });
    }
    throw registryTransportError(kind, `resolving the id of ${label} under ${subject}`, cause);
  }
}
