import type { CompatibilityLevel } from './compatibility.js';
import { devSchemaRegistryErrors } from './errors.js';

/** A schema in the global table. Ids and guids are never reused, and never removed. */
export interface StoredSchema {
  readonly id: number;
  readonly guid: string;
  /** The text as first registered: what lookups return. */
  readonly schema: string;
  /** Identity of the schema (see `parseAvroSchema`); recomputed when the state file is loaded. */
  readonly canonical: string;
}

/** One version of a subject; soft deletion only flags it, as Confluent does. */
export interface SubjectVersion {
  readonly version: number;
  readonly schemaId: number;
  deleted: boolean;
}

/** Everything the registry knows. Plain Maps and objects so `structuredClone` can copy it. */
export interface RegistryState {
  schemas: Map<number, StoredSchema>;
  schemaIdsByCanonical: Map<string, number>;
  /** Versions of each subject, ascending by version number. */
  subjects: Map<string, SubjectVersion[]>;
  subjectCompatibility: Map<string, CompatibilityLevel>;
  /** Set by `PUT /config`; undefined means the app's configured default. */
  globalCompatibility: CompatibilityLevel | undefined;
}

/** A version number, or the newest version ("latest" or -1 on the wire). */
export type VersionId = number | 'latest';

export function emptyState(): RegistryState {
  return {
    schemas: new Map(),
    schemaIdsByCanonical: new Map(),
    subjects: new Map(),
    subjectCompatibility: new Map(),
    globalCompatibility: undefined,
  };
}

/** A subject's versions, leaving out soft-deleted ones unless `includeDeleted`. */
export function subjectVersions(state: RegistryState, subject: string, includeDeleted: boolean): SubjectVersion[] {
  const versions = state.subjects.get(subject) ?? [];
  return includeDeleted ? [...versions] : versions.filter((v) => !v.deleted);
}

/** Subject names (sorted), counting a subject only while it has a visible version. */
export function subjectNames(state: RegistryState, includeDeleted: boolean): string[] {
  return [...state.subjects.keys()].filter((s) => subjectVersions(state, s, includeDeleted).length > 0).sort();
}

/** Finds one version of a subject: 40401 when the subject has no visible versions, 40402 when the version is missing. */
export function findSubjectVersion(state: RegistryState, subject: string, versionId: VersionId, includeDeleted: boolean): SubjectVersion {
  const versions = subjectVersions(state, subject, includeDeleted);
  if (versions.length === 0) throw subjectNotFound(subject);
  const found = versionId === 'latest' ? versions.at(-1) : versions.find((v) => v.version === versionId);
  if (found === undefined) {
    throw devSchemaRegistryErrors.create('TW_DEVSR_VERSION_NOT_FOUND', `Version ${versionId} not found.`, {
      details: { subject, version: versionId },
    });
  }
  return found;
}

export function schemaById(state: RegistryState, id: number): StoredSchema {
  const schema = state.schemas.get(id);
  if (schema === undefined) {
    throw devSchemaRegistryErrors.create('TW_DEVSR_SCHEMA_NOT_FOUND', `Schema ${id} not found`, { details: { id } });
  }
  return schema;
}

export function schemaByGuid(state: RegistryState, guid: string): StoredSchema {
  for (const schema of state.schemas.values()) {
    if (schema.guid === guid) return schema;
  }
  throw devSchemaRegistryErrors.create('TW_DEVSR_SCHEMA_NOT_FOUND', `Schema ${guid} not found`, { details: { guid } });
}

/** Every (subject, version) a schema id is registered under, soft-deleted ones only when asked. */
export function usagesOfSchema(state: RegistryState, id: number, includeDeleted: boolean): { subject: string; version: number }[] {
  const usages: { subject: string; version: number }[] = [];
  for (const [subject, versions] of state.subjects) {
    for (const v of versions) {
      if (v.schemaId === id && (includeDeleted || !v.deleted)) usages.push({ subject, version: v.version });
    }
  }
  return usages.sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : a.version - b.version));
}

/** The level a subject's registrations are checked with: its own, else the global one, else the app default. */
export function effectiveCompatibility(state: RegistryState, subject: string, appDefault: CompatibilityLevel): CompatibilityLevel {
  return state.subjectCompatibility.get(subject) ?? state.globalCompatibility ?? appDefault;
}

export function subjectNotFound(subject: string) {
  return devSchemaRegistryErrors.create('TW_DEVSR_SUBJECT_NOT_FOUND', `Subject '${subject}' not found.`, { details: { subject } });
}
