import avro from 'avsc';
import { devSchemaRegistryErrors } from './errors.js';

/** A schema text checked by avsc, with the form used to decide whether two texts are the same schema. */
export interface ParsedAvroSchema {
  readonly type: avro.Type;
  /** Identity of the schema: equal for texts that differ only in whitespace, key order or `{"type":"int"}` vs `"int"`. */
  readonly canonical: string;
}

const PRIMITIVE_TYPES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

/**
 * Parses an Avro schema text; invalid JSON or Avro becomes TW_DEVSR_INVALID_SCHEMA (Confluent 42201).
 *
 * Identity deliberately is not the Parsing Canonical Form: PCF drops defaults, docs, aliases and
 * logical types, so two schemas that resolve differently (a field with and without a default)
 * would share an id. Nor is it avsc's exported schema, which drops logical types avsc has no
 * implementation for. Instead it is the schema JSON with sorted keys and no whitespace, close to
 * what Confluent compares without `normalize` (it reprints the schema, keeping docs and attributes).
 */
export function parseAvroSchema(text: string): ParsedAvroSchema {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw devSchemaRegistryErrors.create('TW_DEVSR_INVALID_SCHEMA', `Invalid schema: not JSON: ${messageOf(err)}`, { cause: err });
  }
  let type: avro.Type;
  try {
    type = avro.Type.forSchema(json as avro.Schema);
  } catch (err) {
    throw devSchemaRegistryErrors.create('TW_DEVSR_INVALID_SCHEMA', `Invalid schema: ${messageOf(err)}`, { cause: err });
  }
  return { type, canonical: JSON.stringify(canonicalize(json, true)) };
}

/**
 * Sorts object keys and writes bare primitive types as their name. `inSchema` is false inside
 * `default` values: those are data, where an object `{"type": "int"}` is a record value, not a type.
 */
function canonicalize(value: unknown, inSchema: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => canonicalize(item, inSchema));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (inSchema && entries.length === 1) {
    const [only] = entries;
    if (only !== undefined && only[0] === 'type' && typeof only[1] === 'string' && PRIMITIVE_TYPES.has(only[1])) return only[1];
  }
  const out: Record<string, unknown> = {};
  for (const [key, child] of entries) {
    // defineProperty so a key named "__proto__" stays an ordinary key.
    Object.defineProperty(out, key, {
      value: canonicalize(child, inSchema && key !== 'default'),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

const typesBySchemaText = new Map<string, avro.Type>();

/**
 * The avsc type of a schema already in the registry (so known to be valid), parsed once per
 * process: compatibility checks against transitive histories would otherwise reparse every version.
 */
export function storedSchemaType(text: string): avro.Type {
  let type = typesBySchemaText.get(text);
  if (type === undefined) {
    type = parseAvroSchema(text).type;
    typesBySchemaText.set(text, type);
  }
  return type;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
