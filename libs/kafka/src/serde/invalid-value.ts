import type { Type } from 'avsc';
import { serdeErrors } from './errors.js';

/** One field of a value that its schema rejects. */
export interface InvalidField {
  /** Dotted path from the record root, e.g. `source.offset`; `<root>` for the value itself. */
  readonly path: string;
  /** The schema type the field needs, e.g. `long` or `io.tidewater.events.Channel`. */
  readonly expected: string;
  /** The JavaScript kind found there; never the value itself, which may be personal data. */
  readonly got: string;
}

/**
 * Builds TW_SERDE_INVALID_VALUE for a value that failed to encode. Runs avsc's full check
 * only here, on the failure path, so that encoding a valid value pays for no validation
 * beyond what avsc's writer already does.
 */
export function invalidValueError(type: Type, value: unknown, cause: unknown) {
  const fields: InvalidField[] = [];
  type.isValid(value, {
    errorHook: (path: string[], found: unknown, fieldType: Type) => {
      fields.push({ path: path.length > 0 ? path.join('.') : '<root>', expected: describeType(fieldType), got: kindOf(found) });
    },
  });
  const what = type.name ?? type.typeName;
  const summary =
    fields.length > 0
      ? fields.map((f) => `${f.path} (expected ${f.expected}, got ${f.got})`).join('; ')
      : `avsc refused it: ${cause instanceof Error ? cause.message : String(cause)}`;
  return serdeErrors.create('TW_SERDE_INVALID_VALUE', `invalid ${what} value: ${summary}`, {
    cause,
    details: { schema: what, fields },
  });
}

function describeType(type: Type): string {
  if (type.name !== undefined) return type.name;
  if (type.typeName.startsWith('union')) return JSON.stringify(type.schema());
  return type.typeName;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (Buffer.isBuffer(value)) return 'buffer';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return 'non-finite number';
    if (!Number.isInteger(value)) return 'fractional number';
    if (!Number.isSafeInteger(value)) return 'unsafe integer';
  }
  return typeof value;
}
