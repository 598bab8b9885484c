import type { Client } from '@confluentinc/schemaregistry';
import { serdeErrors } from './errors.js';

/** The part of the registry client the serde uses; the official client and its mock:// MockClient both fit. */
export type SchemaRegistry = Pick<Client, 'register' | 'getId' | 'getBySubjectAndId'>;

/** The registry's answer as the serde cares about it. */
export type RegistryFailureKind = 'not-found' | 'conflict' | 'invalid' | 'unavailable' | 'refused';

/**
 * Sorts an error thrown by the registry client. Failed HTTP responses arrive as the client's
 * RestError (with `status`); failures before any response (refused connection, DNS, timeout)
 * arrive as axios or system errors with a `code` and no status. Checked structurally so a
 * second copy of the client package in node_modules still classifies.
 */
export function classifyRegistryFailure(err: unknown): RegistryFailureKind {
  if (typeof err !== 'object' || err === null) return 'refused';
  const { status, code, isAxiosError } = err as { status?: unknown; code?: unknown; isAxiosError?: unknown };
  if (typeof status === 'number') {
    if (status === 404) return 'not-found';
    if (status === 409) return 'conflict';
    if (status === 422) return 'invalid';
    if (status === 408 || status === 429 || status >= 500) return 'unavailable';
    return 'refused';
  }
  if (isAxiosError === true || typeof code === 'string') return 'unavailable';
  return 'refused';
}

/** Registry failures that are not about the schema or message itself. */
export function registryTransportError(kind: RegistryFailureKind, action: string, cause: unknown) {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return kind === 'unavailable'
    ? serdeErrors.create('TW_SERDE_REGISTRY_UNAVAILABLE', `schema registry unavailable while ${action}: ${detail}`, { cause })
    : serdeErrors.create('TW_SERDE_REGISTRY_REQUEST_FAILED', `schema registry refused ${action}: ${detail}`, { cause });
}
