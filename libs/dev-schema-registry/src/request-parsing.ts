import { z } from 'zod';
import { parseAvroSchema } from './avro-schema.js';
import type { ParsedAvroSchema } from './avro-schema.js';
import { compatibilityLevels, parseCompatibilityLevel } from './compatibility.js';
import type { CompatibilityLevel } from './compatibility.js';
import { devSchemaRegistryErrors } from './errors.js';
import type { VersionId } from './registry-state.js';

/** A schema sent to register, look up or test: its text and what avsc made of it. */
export interface SchemaSubmission {
  readonly text: string;
  readonly parsed: ParsedAvroSchema;
}

// Unknown keys are dropped, not refused: clients send back whole responses as requests
// (the deserializer posts `{schema, guid}` from a lookup when resolving migrations).
const schemaRequestBody = z.object({
  schema: z.string().min(1, 'Empty schema'),
  schemaType: z.string().nullish(),
  references: z.array(z.unknown()).nullish(),
  metadata: z.unknown().optional(),
  ruleSet: z.unknown().optional(),
});

/**
 * Validates a `{schemaType?, schema, references?}` body. Anything but an AVRO schema without
 * references, metadata or rule sets is refused with a 42201, so a caller relying on those
 * features learns at once that the dev registry does not provide them.
 */
export function parseSchemaSubmission(body: unknown): SchemaSubmission {
  const result = schemaRequestBody.safeParse(body);
  if (!result.success) {
    throw devSchemaRegistryErrors.create('TW_DEVSR_INVALID_SCHEMA', `Invalid schema request: ${z.prettifyError(result.error)}`);
  }
  const { schema, schemaType, references, metadata, ruleSet } = result.data;
  if (schemaType != null && schemaType !== 'AVRO') {
    throw devSchemaRegistryErrors.create(
      'TW_DEVSR_UNSUPPORTED_SCHEMA_TYPE',
      `Invalid schema: schemaType ${schemaType} is not supported by the dev schema registry; only AVRO is`,
      { details: { schemaType } },
    );
  }
  if (references != null && references.length > 0) {
    throw devSchemaRegistryErrors.create(
      'TW_DEVSR_UNSUPPORTED_FEATURE',
      'Invalid schema: schema references are not supported by the dev schema registry',
    );
  }
  if (!isAbsent(metadata) || !isAbsent(ruleSet)) {
    throw devSchemaRegistryErrors.create(
      'TW_DEVSR_UNSUPPORTED_FEATURE',
      'Invalid schema: metadata and ruleSet are not supported by the dev schema registry',
    );
  }
  return { text: schema, parsed: parseAvroSchema(schema) };
}

const configRequestBody = z.object({
  compatibility: z.string().optional(),
  compatibilityLevel: z.string().optional(),
});

/** Reads the level from a `PUT /config` body (`compatibility`, or `compatibilityLevel` as some clients send). */
export function parseConfigUpdate(body: unknown): CompatibilityLevel {
  const result = configRequestBody.safeParse(body);
  const requested = result.success ? (result.data.compatibility ?? result.data.compatibilityLevel) : undefined;
  const level = requested === undefined ? undefined : parseCompatibilityLevel(requested);
  if (level === undefined) {
    throw devSchemaRegistryErrors.create(
      'TW_DEVSR_INVALID_COMPATIBILITY_LEVEL',
      `Invalid compatibility level. Valid values are ${compatibilityLevels.join(', ')}`,
      { details: { requested } },
    );
  }
  return level;
}

const MAX_VERSION = 2 ** 31 - 1;

/** Parses a version path segment: 1..2^31-1, "latest" or -1; anything else is 42202. */
export function parseVersionId(raw: string): VersionId {
  if (raw === 'latest' || raw === '-1') return 'latest';
  if (/^[0-9]+$/.test(raw)) {
    const version = Number(raw);
    if (version >= 1 && version <= MAX_VERSION) return version;
  }
  throw devSchemaRegistryErrors.create(
    'TW_DEVSR_INVALID_VERSION',
    `The specified version '${raw}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`,
    { details: { version: raw } },
  );
}

/** Parses a schema id path segment; an id that cannot exist is simply not found (40403). */
export function parseSchemaId(raw: string): number {
  const id = /^[0-9]+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(id) || id < 1) {
    throw devSchemaRegistryErrors.create('TW_DEVSR_SCHEMA_NOT_FOUND', `Schema ${raw} not found`, { details: { id: raw } });
  }
  return id;
}

/** Reads a boolean query parameter (`?deleted=true`); absent or anything but "true" is false. */
export function queryFlag(query: unknown, name: string): boolean {
  if (typeof query !== 'object' || query === null) return false;
  const raw: unknown = (query as Record<string, unknown>)[name];
  const value = Array.isArray(raw) ? raw.at(-1) : raw;
  return typeof value === 'string' && value.toLowerCase() === 'true';
}

/** Reads a string query parameter, the last one when repeated. */
export function queryString(query: unknown, name: string): string | undefined {
  if (typeof query !== 'object' || query === null) return undefined;
  const raw: unknown = (query as Record<string, unknown>)[name];
  const value = Array.isArray(raw) ? raw.at(-1) : raw;
  return typeof value === 'string' ? value : undefined;
}

/** How a list endpoint was asked to list: Confluent's `deleted`, `deleted_only`, `offset` and `limit` (-1: no limit). */
export interface ListOptions {
  readonly deleted: boolean;
  readonly deletedOnly: boolean;
  readonly offset: number;
  readonly limit: number;
}

/** Reads the list parameters the Python client sends on every list (`offset=0&limit=-1`); bad numbers mean the defaults. */
export function parseListOptions(query: unknown): ListOptions {
  const int = (name: string, fallback: number) => {
    const raw = queryString(query, name);
    return raw !== undefined && /^-?[0-9]+$/.test(raw) ? Number(raw) : fallback;
  };
  return {
    deleted: queryFlag(query, 'deleted'),
    deletedOnly: queryFlag(query, 'deleted_only'),
    offset: Math.max(0, int('offset', 0)),
    limit: int('limit', -1),
  };
}

/** One page of a list, as `offset` and `limit` ask. */
export function pageOf<T>(items: readonly T[], opts: ListOptions): T[] {
  return opts.limit < 0 ? items.slice(opts.offset) : items.slice(opts.offset, opts.offset + opts.limit);
}

function isAbsent(value: unknown): boolean {
  if (value == null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}
