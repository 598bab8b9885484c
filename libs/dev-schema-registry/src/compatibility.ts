import type avro from 'avsc';
import { findIncompatibilities, formatIncompatibility } from './incompatibilities.js';
import type { Incompatibility, SchemaRole } from './incompatibilities.js';

/** The compatibility levels Confluent Schema Registry knows. */
export const compatibilityLevels = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;

export type CompatibilityLevel = (typeof compatibilityLevels)[number];

/** Confluent's default when neither the subject nor the global config sets a level. */
export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'BACKWARD';

/** Narrows a string (any case, as Confluent accepts) to a level, or undefined. */
export function parseCompatibilityLevel(value: string): CompatibilityLevel | undefined {
  const upper = value.toUpperCase();
  return compatibilityLevels.find((level) => level === upper);
}

/** One earlier version a candidate schema is checked against. */
export interface PreviousSchema {
  readonly version: number;
  readonly type: avro.Type;
  /** Its text as registered: Confluent quotes it in the details of a refusal. */
  readonly text: string;
}

/** Why a candidate failed: the newest earlier version it breaks, and every reason in both directions the level checks. */
export interface CompatibilityFailure {
  readonly level: CompatibilityLevel;
  readonly version: number;
  readonly oldSchema: string;
  readonly incompatibilities: readonly Incompatibility[];
}

/**
 * Checks `candidate` against the subject's earlier versions (oldest first) under `level`; undefined
 * means compatible. Non-transitive levels look only at the newest earlier version, transitive ones
 * at all of them, newest first, reporting the first one that fails (as Confluent does).
 * BACKWARD: the candidate as reader resolves data written with the earlier schema;
 * FORWARD: the earlier schema as reader resolves data written with the candidate; FULL: both.
 * The verdict is avsc's `createResolver`, i.e. the Avro spec's resolution rules; the reasons are
 * Confluent's error types and paths (see `findIncompatibilities`).
 */
export function checkCompatibility(
  level: CompatibilityLevel,
  candidate: avro.Type,
  previous: readonly PreviousSchema[],
): CompatibilityFailure | undefined {
  if (level === 'NONE' || previous.length === 0) return undefined;
  const transitive = level.endsWith('_TRANSITIVE');
  const against = transitive ? [...previous].reverse() : previous.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  for (const earlier of against) {
    const incompatibilities: Incompatibility[] = [];
    if (backward) incompatibilities.push(...explain(candidate, earlier.type, 'new'));
    if (forward) incompatibilities.push(...explain(earlier.type, candidate, 'old'));
    if (incompatibilities.length > 0) return { level, version: earlier.version, oldSchema: earlier.text, incompatibilities };
  }
  return undefined;
}

/**
 * Confluent's `details` of a refusal, one string each: the incompatibilities, then
 * `{oldSchemaVersion: N}`, `{oldSchema: '...'}` and the level. Register joins them into its 409
 * message; a verbose compatibility check answers them as `messages`.
 */
export function confluentDetails(failure: CompatibilityFailure): string[] {
  return [
    ...failure.incompatibilities.map(formatIncompatibility),
    `{oldSchemaVersion: ${failure.version}}`,
    // Compact, as Confluent prints it: a registered text may span lines.
    `{oldSchema: '${JSON.stringify(JSON.parse(failure.oldSchema))}'}`,
    `{validateFields: 'false', compatibility: '${failure.level}'}`,
  ];
}

/** Why `reader` cannot resolve data written with `writer`; empty when it can. */
function explain(reader: avro.Type, writer: avro.Type, readerRole: SchemaRole): Incompatibility[] {
  try {
    reader.createResolver(writer);
    return [];
  } catch (err) {
    const found = findIncompatibilities(reader, writer, readerRole);
    if (found.length > 0) return found;
    // avsc refused something the walk does not name: still refuse, with avsc's own words.
    const message = err instanceof Error ? err.message : String(err);
    return [
      { errorType: 'TYPE_MISMATCH', description: `The ${readerRole} schema cannot read the other: ${message}`, additionalInfo: message },
    ];
  }
}
