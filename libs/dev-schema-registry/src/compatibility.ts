import type avro from 'avsc';

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
}

/**
 * Checks `candidate` against the subject's earlier versions (oldest first) under `level` and
 * returns one message per failed check; an empty list means compatible.
 * Non-transitive levels look only at the newest earlier version, transitive ones at all.
 * BACKWARD: the candidate as reader resolves data written with the earlier schema;
 * FORWARD: the earlier schema as reader resolves data written with the candidate;
 * FULL: both. Resolution is avsc's `createResolver`, i.e. the Avro spec's resolution rules.
 */
export function checkCompatibility(level: CompatibilityLevel, candidate: avro.Type, previous: readonly PreviousSchema[]): string[] {
  if (level === 'NONE' || previous.length === 0) return [];
  const transitive = level.endsWith('_TRANSITIVE');
  const against = transitive ? previous : previous.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const messages: string[] = [];
  for (const earlier of against) {
    if (backward) {
      const problem = resolutionProblem(candidate, earlier.type);
      if (problem !== undefined) {
        messages.push(`${level}: the new schema cannot read data written with version ${earlier.version}: ${problem}`);
      }
    }
    if (forward) {
      const problem = resolutionProblem(earlier.type, candidate);
      if (problem !== undefined) {
        messages.push(`${level}: version ${earlier.version} cannot read data written with the new schema: ${problem}`);
      }
    }
  }
  return messages;
}

/** Why `reader` cannot resolve data written with `writer`, or undefined when it can. */
function resolutionProblem(reader: avro.Type, writer: avro.Type): string | undefined {
  try {
    reader.createResolver(writer);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
