import { randomUUID } from 'node:crypto';
import { storedSchemaType } from './avro-schema.js';
import { checkCompatibility, confluentDetails } from './compatibility.js';
import type { CompatibilityLevel, PreviousSchema } from './compatibility.js';
import { devSchemaRegistryErrors } from './errors.js';
import { effectiveCompatibility, findSubjectVersion, schemaById, subjectNotFound, subjectVersions } from './registry-state.js';
import type { RegistryState, SubjectVersion, VersionId } from './registry-state.js';
import type { SchemaSubmission } from './request-parsing.js';

/** A schema as registered under a subject: the body of version lookups and registrations. */
export interface RegisteredVersion {
  subject: string;
  version: number;
  id: number;
  guid: string;
  schema: string;
}

export function describeVersion(state: RegistryState, subject: string, version: SubjectVersion): RegisteredVersion {
  const stored = schemaById(state, version.schemaId);
  return { subject, version: version.version, id: stored.id, guid: stored.guid, schema: stored.schema };
}

/**
 * Registers a schema under a subject, mutating `state` (a draft: see `StateStore.update`).
 * As in Confluent: a schema already live in the subject returns its version unchanged; otherwise
 * it is checked against the live versions at the subject's level (409 on failure), keeps the
 * global id it already has in any subject or gets the next one, and becomes version max+1
 * (soft-deleted versions keep their numbers, so numbers are not reused until deleted permanently).
 */
export function registerSchema(
  state: RegistryState,
  subject: string,
  submission: SchemaSubmission,
  appDefault: CompatibilityLevel,
): RegisteredVersion {
  const existingId = state.schemaIdsByCanonical.get(submission.parsed.canonical);
  const live = subjectVersions(state, subject, false);
  const already = existingId === undefined ? undefined : live.find((v) => v.schemaId === existingId);
  if (already !== undefined) return describeVersion(state, subject, already);

  const level = effectiveCompatibility(state, subject, appDefault);
  const failure = checkCompatibility(level, submission.parsed.type, previousSchemas(state, live));
  if (failure !== undefined) {
    // Confluent's wording and details, which its clients show as they are (the Python client's
    // SchemaRegistryError): which earlier version broke, and which field at which path.
    throw devSchemaRegistryErrors.create(
      'TW_DEVSR_INCOMPATIBLE_SCHEMA',
      `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${confluentDetails(failure).join(', ')}]`,
      { details: { subject, compatibility: level, version: failure.version, incompatibilities: failure.incompatibilities } },
    );
  }

  const id = existingId ?? addSchema(state, submission);
  const all = state.subjects.get(subject) ?? [];
  const version = (all.at(-1)?.version ?? 0) + 1;
  const added: SubjectVersion = { version, schemaId: id, deleted: false };
  state.subjects.set(subject, [...all, added]);
  return describeVersion(state, subject, added);
}

/** Finds the version of a subject holding this schema: 40401 when the subject is unknown, 40403 when the schema is not in it. */
export function lookupSchema(
  state: RegistryState,
  subject: string,
  submission: SchemaSubmission,
  includeDeleted: boolean,
): RegisteredVersion {
  const versions = subjectVersions(state, subject, includeDeleted);
  if (versions.length === 0) throw subjectNotFound(subject);
  const id = state.schemaIdsByCanonical.get(submission.parsed.canonical);
  // Newest first, so a schema re-registered after a soft delete answers with its live version.
  const found = id === undefined ? undefined : versions.reverse().find((v) => v.schemaId === id);
  if (found === undefined) {
    throw devSchemaRegistryErrors.create('TW_DEVSR_SCHEMA_NOT_FOUND', 'Schema not found', { details: { subject } });
  }
  return describeVersion(state, subject, found);
}

/**
 * What `POST /compatibility/subjects/{s}/versions[/{v}]` answers: problems of the submission
 * against one version (`versionId`) or, with `'all'`, against the live versions as the level
 * says (latest only, or every one when transitive). No versions to compare with means compatible.
 */
export function compatibilityProblems(
  state: RegistryState,
  subject: string,
  submission: SchemaSubmission,
  versionId: VersionId | 'all',
  appDefault: CompatibilityLevel,
): string[] {
  const level = effectiveCompatibility(state, subject, appDefault);
  const live = subjectVersions(state, subject, false);
  let against: SubjectVersion[];
  if (versionId === 'all') {
    against = live;
  } else if (versionId === 'latest' && live.length === 0) {
    against = [];
  } else {
    against = [findSubjectVersion(state, subject, versionId, false)];
  }
  const failure = checkCompatibility(level, submission.parsed.type, previousSchemas(state, against));
  return failure === undefined ? [] : confluentDetails(failure);
}

function previousSchemas(state: RegistryState, versions: readonly SubjectVersion[]): PreviousSchema[] {
  return versions.map((v) => {
    const text = schemaById(state, v.schemaId).schema;
    return { version: v.version, type: storedSchemaType(text), text };
  });
}

function addSchema(state: RegistryState, submission: SchemaSubmission): number {
  const id = Math.max(0, ...state.schemas.keys()) + 1;
  state.schemas.set(id, { id, guid: randomUUID(), schema: submission.text, canonical: submission.parsed.canonical });
  state.schemaIdsByCanonical.set(submission.parsed.canonical, id);
  return id;
}
