import avro from 'avsc';
import type { Resolver, Type } from 'avsc';
import type { SchemaInfo } from '@confluentinc/schemaregistry';
import { serdeErrors } from './errors.js';
import type { SerdeErrorCode } from './errors.js';
import { classifyRegistryFailure, registryTransportError } from './registry-failures.js';
import type { SchemaRegistry } from './registry-failures.js';

/**
 * What the decoder knows about one writer schema id: how to read it into the reader's shape,
 * or why it cannot. Failures are kept so a batch full of one bad id costs one registry call.
 */
export type WriterEntry =
  | { readonly ok: true; /** undefined when writer and reader are the same schema. */ readonly resolver: Resolver | undefined }
  | {
      readonly ok: false;
      readonly failure: WriterFailure;
      /** epoch ms after which prepare() asks again; Infinity for never. */ readonly retryAt: number;
    };

export interface WriterFailure {
  readonly code: Extract<
    SerdeErrorCode,
    'TW_SERDE_UNKNOWN_SCHEMA_ID' | 'TW_SERDE_UNSUPPORTED_WRITER_SCHEMA' | 'TW_SERDE_INCOMPATIBLE_WRITER_SCHEMA'
  >;
  readonly message: string;
  readonly cause: unknown;
}

export interface WriterSchemaCacheOptions {
  readonly registry: SchemaRegistry;
  readonly readerType: Type;
  /** Subject passed with id lookups; '' lets the registry search every subject. */
  readonly subject: string;
  /** How long an id the registry did not know stays unknown before it is asked again. */
  readonly unknownIdRetryMs: number;
}

/** Writer schemas by id, fetched once each; concurrent loads of one id share a single fetch. */
export interface WriterSchemaCache {
  get(id: number): WriterEntry | undefined;
  /** Fetches the ids not known yet; rejects with a registry error if any fetch failed in transit. */
  load(ids: Iterable<number>): Promise<void>;
}

/**
 * Failures are remembered per id so a bad id costs one registry call, not one per message; the ids
 * come from message bytes, so that memory is capped (oldest failure forgotten first). Good schemas
 * are few and are always kept.
 */
const maxRememberedFailures = 1000;

export function createWriterSchemaCache(opts: WriterSchemaCacheOptions): WriterSchemaCache {
  const entries = new Map<number, WriterEntry>();
  const failures: number[] = [];
  const inFlight = new Map<number, Promise<void>>();

  function needsFetch(id: number, now: number): boolean {
    const entry = entries.get(id);
    return entry === undefined || (!entry.ok && entry.retryAt <= now);
  }

  function fetchOnce(id: number): Promise<void> {
    const pending = inFlight.get(id);
    if (pending) return pending;
    const fetch = fetchEntry(opts, id)
      .then((entry) => {
        if (!entry.ok && !entries.has(id)) {
          failures.push(id);
          const oldest = failures.length > maxRememberedFailures ? failures.shift()! : undefined;
          if (oldest !== undefined && entries.get(oldest)?.ok === false) entries.delete(oldest);
        }
        entries.set(id, entry);
      })
      .finally(() => inFlight.delete(id));
    inFlight.set(id, fetch);
    return fetch;
  }

  return {
    get: (id) => entries.get(id),
    async load(ids) {
      const now = Date.now();
      const fetches: Promise<void>[] = [];
      for (const id of new Set(ids)) {
        if (needsFetch(id, now)) fetches.push(fetchOnce(id));
      }
      if (fetches.length === 0) return;
      // Let every fetch settle so one unreachable moment does not leave other ids half-loaded.
      const results = await Promise.allSettled(fetches);
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

async function fetchEntry(opts: WriterSchemaCacheOptions, id: number): Promise<WriterEntry> {
  let info: SchemaInfo;
  try {
    info = await opts.registry.getBySubjectAndId(opts.subject, id);
  } catch (cause) {
    const kind = classifyRegistryFailure(cause);
    if (kind === 'not-found') {
      const failure: WriterFailure = { code: 'TW_SERDE_UNKNOWN_SCHEMA_ID', message: `registry has no schema with id ${id}`, cause };
      return { ok: false, failure, retryAt: Date.now() + opts.unknownIdRetryMs };
    }
    throw registryTransportError(kind, `fetching writer schema ${id}`, cause);
  }
  return resolveWriter(opts.readerType, id, info);
}

/** Compiles a writer schema and its resolver into the reader; schema ids are immutable, so failures are final. */
export function resolveWriter(readerType: Type, id: number, info: SchemaInfo): WriterEntry {
  const fail = (code: WriterFailure['code'], message: string, cause: unknown): WriterEntry => ({
    ok: false,
    failure: { code, message, cause },
    retryAt: Number.POSITIVE_INFINITY,
  });
  if (info.schemaType !== undefined && info.schemaType !== 'AVRO') {
    return fail('TW_SERDE_UNSUPPORTED_WRITER_SCHEMA', `writer schema ${id} is ${info.schemaType}, not AVRO`, undefined);
  }
  if (info.references !== undefined && info.references.length > 0) {
    return fail('TW_SERDE_UNSUPPORTED_WRITER_SCHEMA', `writer schema ${id} has references, which this serde does not resolve`, undefined);
  }
  let writerType: Type;
  try {
    // Same options as loadSchema (no logical types), so values match the reader's and the official serde's.
    writerType = avro.Type.forSchema(JSON.parse(info.schema) as avro.Schema);
  } catch (cause) {
    return fail('TW_SERDE_UNSUPPORTED_WRITER_SCHEMA', `writer schema ${id} is not a valid Avro schema`, cause);
  }
  if (writerType.equals(readerType)) return { ok: true, resolver: undefined };
  try {
    return { ok: true, resolver: readerType.createResolver(writerType) };
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    const readerName = readerType.name ?? readerType.typeName;
    return fail('TW_SERDE_INCOMPATIBLE_WRITER_SCHEMA', `writer schema ${id} cannot be read as ${readerName}: ${detail}`, cause);
  }
}

/** A fresh error for a remembered failure, so each message's error has its own stack and details. */
export function writerFailureError(failure: WriterFailure, id: number) {
  return serdeErrors.create(failure.code, failure.message, { cause: failure.cause, details: { schemaId: id } });
}
