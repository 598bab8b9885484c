import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import { fastMapTypeHook } from './avro-map-type.js';
import { schemasDir } from './paths.js';

/** The schema files this repository ships, by the name services refer to them with. */
export const schemaFiles = {
  entityKey: 'entity-key.avsc',
  rawPaymentEvent: 'raw-payment-event.avsc',
  paymentEvent: 'payment-event.avsc',
  featureVector: 'feature-vector.avsc',
  prediction: 'prediction.avsc',
  driftReport: 'drift-report.avsc',
  alert: 'alert.avsc',
} as const;

export type SchemaName = keyof typeof schemaFiles;

/** A schema as text (what a registry stores) and as a compiled avsc type (what the hot path uses). */
export interface LoadedSchema {
  readonly name: SchemaName;
  readonly file: string;
  /** Canonical JSON text of the schema, as registered. */
  readonly text: string;
  readonly type: avro.Type;
}

const cache = new Map<SchemaName, LoadedSchema>();

/** Loads and compiles one of the repository's schemas; compiled once per process. */
export function loadSchema(name: SchemaName): LoadedSchema {
  const hit = cache.get(name);
  if (hit) return hit;
  const file = schemaFiles[name];
  const json: unknown = JSON.parse(readFileSync(join(schemasDir, file), 'utf8'));
  // Maps are read into fast-mode objects (avro-map-type.ts); everything else is avsc's own.
  const type = avro.Type.forSchema(json as avro.Schema, { typeHook: fastMapTypeHook });
  const loaded: LoadedSchema = Object.freeze({ name, file, text: JSON.stringify(json), type });
  cache.set(name, loaded);
  return loaded;
}

/** Finds the schema name for a file name used in the topics manifest. */
export function schemaNameForFile(file: string): SchemaName | undefined {
  return (Object.keys(schemaFiles) as SchemaName[]).find((n) => schemaFiles[n] === file);
}
