import { serdeErrors } from './errors.js';
import type { SchemaRegistry } from './registry-failures.js';
import { schemaLabel } from './serde-schema.js';
import type { SerdeSchema } from './serde-schema.js';
import { WIRE_HEADER_SIZE, isConfluentWireFormat, notWireFormatError, readSchemaIdUnchecked } from './wire-format.js';
import { createWriterSchemaCache, writerFailureError } from './writer-schemas.js';

/** Decodes Confluent-framed Avro into the reader schema's shape, whatever compatible schema wrote it. */
export interface AvroDecoder<T> {
  /**
   * Decodes synchronously. The writer schema id must have been fetched by `prepare` (or an
   * earlier `decodeAsync`), else it throws TW_SERDE_SCHEMA_NOT_PREPARED; it never calls the registry.
   */
  decode(buf: Buffer): T;
  /**
   * Fetches the writer schemas of a batch that are not known yet, each id once even across
   * concurrent calls. Ids the registry lacks or that cannot be read are remembered and thrown by
   * `decode` for their messages; rejects only when the registry itself failed (TW_SERDE_REGISTRY_*).
   * Values that are not wire format are skipped (`decode` reports them).
   */
  prepare(bufs: Iterable<Buffer | null | undefined>): Promise<void>;
  /** `prepare([buf])` then `decode(buf)`. */
  decodeAsync(buf: Buffer): Promise<T>;
}

export interface AvroDecoderOptions {
  readonly registry: SchemaRegistry;
  /** The schema this service reads with; writers may be older or newer compatible versions. */
  readonly readerSchema: SerdeSchema;
  /** Subject sent with id lookups (some registries scope ids by context); default '' (any subject). */
  readonly subject?: string;
  /** How long an id the registry answered 404 for is treated as unknown before asking again. Default 60 s. */
  readonly unknownIdRetryMs?: number;
}

/** Creates a decoder; writer schemas are fetched lazily by `prepare` and cached by id. */
export function createAvroDecoder<T>(opts: AvroDecoderOptions): AvroDecoder<T> {
  const readerType = opts.readerSchema.type;
  const readerLabel = schemaLabel(opts.readerSchema);
  const writers = createWriterSchemaCache({
    registry: opts.registry,
    readerType,
    subject: opts.subject ?? '',
    unknownIdRetryMs: opts.unknownIdRetryMs ?? 60_000,
  });

  function decode(buf: Buffer): T {
    if (!isConfluentWireFormat(buf)) throw notWireFormatError(buf);
    const id = readSchemaIdUnchecked(buf);
    const entry = writers.get(id);
    if (entry === undefined) {
      throw serdeErrors.create('TW_SERDE_SCHEMA_NOT_PREPARED', `writer schema ${id} not fetched yet; call prepare() first`, {
        details: { schemaId: id },
      });
    }
    if (!entry.ok) throw writerFailureError(entry.failure, id);
    let decoded: { value: unknown; offset: number };
    try {
      decoded = readerType.decode(buf, WIRE_HEADER_SIZE, entry.resolver);
    } catch (cause) {
      throw corruptBody(id, 'unreadable', `does not decode as writer schema ${id}`, cause);
    }
    if (decoded.offset < 0) throw corruptBody(id, 'truncated', `ends before the record written with schema ${id} does`);
    if (decoded.offset !== buf.length) {
      throw corruptBody(id, 'trailing-bytes', `has ${buf.length - decoded.offset} bytes after the record written with schema ${id}`);
    }
    return decoded.value as T;
  }

  function corruptBody(id: number, reason: string, what: string, cause?: unknown) {
    return serdeErrors.create('TW_SERDE_CORRUPT_BODY', `Avro body for ${readerLabel} ${what}`, {
      cause,
      details: { schemaId: id, reason },
    });
  }

  async function prepare(bufs: Iterable<Buffer | null | undefined>): Promise<void> {
    const ids: number[] = [];
    for (const buf of bufs) {
      if (buf && isConfluentWireFormat(buf)) {
        const id = readSchemaIdUnchecked(buf);
        const entry = writers.get(id);
        // Fast path: a batch of known ids costs a map lookup per message and no promise per id.
        if (entry === undefined || !entry.ok) ids.push(id);
      }
    }
    if (ids.length > 0) await writers.load(ids);
  }

  return {
    decode,
    prepare,
    async decodeAsync(buf) {
      await prepare([buf]);
      return decode(buf);
    },
  };
}
