import { devSchemaRegistryErrors } from './errors.js';
import { subjectNotFound, subjectVersions } from './registry-state.js';
import type { RegistryState, VersionId } from './registry-state.js';

/**
 * Deletes a subject (mutating the draft `state`) and returns the version numbers deleted.
 * Two steps as in Confluent: a soft delete hides the versions (they still resolve with
 * `deleted=true`, and ids stay readable); only then may `permanent` remove them and the
 * subject's compatibility level. Schemas stay in the global table either way, so data written
 * with them remains readable and re-registering them keeps their old ids.
 */
export function deleteSubject(state: RegistryState, subject: string, permanent: boolean): number[] {
  const all = subjectVersions(state, subject, true);
  if (all.length === 0) throw subjectNotFound(subject);
  const live = all.filter((v) => !v.deleted);
  if (permanent) {
    if (live.length > 0) {
      throw devSchemaRegistryErrors.create(
        'TW_DEVSR_SUBJECT_NOT_SOFT_DELETED',
        `Subject '${subject}' was not deleted first before being permanently deleted`,
        { details: { subject } },
      );
    }
    state.subjects.delete(subject);
    state.subjectCompatibility.delete(subject);
    return all.map((v) => v.version);
  }
  if (live.length === 0) {
    throw devSchemaRegistryErrors.create(
      'TW_DEVSR_SUBJECT_SOFT_DELETED',
      `Subject '${subject}' was soft deleted. Set permanent=true to delete permanently`,
      { details: { subject } },
    );
  }
  for (const version of live) version.deleted = true;
  return live.map((v) => v.version);
}

/** Deletes one version (soft, or permanent after a soft delete) and returns its number. */
export function deleteSubjectVersion(state: RegistryState, subject: string, versionId: VersionId, permanent: boolean): number {
  const all = state.subjects.get(subject) ?? [];
  // A soft delete needs a live subject; a permanent one works on what soft deletes left.
  const candidates = permanent ? all : all.filter((v) => !v.deleted);
  if (candidates.length === 0) throw subjectNotFound(subject);
  const target = versionId === 'latest' ? candidates.at(-1) : all.find((v) => v.version === versionId);
  if (target === undefined) {
    throw devSchemaRegistryErrors.create('TW_DEVSR_VERSION_NOT_FOUND', `Version ${versionId} not found.`, {
      details: { subject, version: versionId },
    });
  }
  if (permanent) {
    if (!target.deleted) {
      throw devSchemaRegistryErrors.create(
        'TW_DEVSR_VERSION_NOT_SOFT_DELETED',
        `Subject '${subject}' Version ${target.version} was not deleted first before being permanently deleted`,
        { details: { subject, version: target.version } },
      );
    }
    const remaining = all.filter((v) => v !== target);
    if (remaining.length === 0) state.subjects.delete(subject);
    else state.subjects.set(subject, remaining);
    return target.version;
  }
  if (target.deleted) {
    throw devSchemaRegistryErrors.create(
      'TW_DEVSR_VERSION_SOFT_DELETED',
      `Subject '${subject}' Version ${target.version} was soft deleted. Set permanent=true to delete permanently`,
      { details: { subject, version: target.version } },
    );
  }
  target.deleted = true;
  return target.version;
}
