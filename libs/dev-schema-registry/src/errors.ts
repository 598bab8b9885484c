import { defineErrors } from '@tidewater/errors';

/** The dev registry's error catalogue; each code maps to one Confluent wire error below. */
export const devSchemaRegistryErrors = defineErrors('TW_DEVSR_', {
  TW_DEVSR_SUBJECT_NOT_FOUND: { retriable: false, description: 'The subject has no (non-deleted) versions; register a schema first.' },
  TW_DEVSR_VERSION_NOT_FOUND: { retriable: false, description: 'The subject has no such version; list the versions to see which exist.' },
  TW_DEVSR_SCHEMA_NOT_FOUND: {
    retriable: false,
    description: 'No schema with that id or guid, or the schema is not registered under the subject.',
  },
  TW_DEVSR_SUBJECT_SOFT_DELETED: {
    retriable: false,
    description: 'The subject was already soft-deleted; delete again with permanent=true to remove it.',
  },
  TW_DEVSR_SUBJECT_NOT_SOFT_DELETED: { retriable: false, description: 'A permanent delete needs the subject to be soft-deleted first.' },
  TW_DEVSR_VERSION_SOFT_DELETED: {
    retriable: false,
    description: 'The version was already soft-deleted; delete again with permanent=true to remove it.',
  },
  TW_DEVSR_VERSION_NOT_SOFT_DELETED: { retriable: false, description: 'A permanent delete needs the version to be soft-deleted first.' },
  TW_DEVSR_SUBJECT_CONFIG_NOT_FOUND: {
    retriable: false,
    description: 'The subject has no compatibility level of its own; pass defaultToGlobal=true to read the global one.',
  },
  TW_DEVSR_INCOMPATIBLE_SCHEMA: {
    retriable: false,
    description: "The schema breaks the subject's compatibility level against earlier versions; evolve it compatibly or change the level.",
  },
  TW_DEVSR_INVALID_SCHEMA: {
    retriable: false,
    description: 'The request body is not a valid Avro schema registration (bad JSON, bad Avro, or missing schema).',
  },
  TW_DEVSR_UNSUPPORTED_SCHEMA_TYPE: {
    retriable: false,
    description: 'Only AVRO schemas are supported by the dev registry; JSON and PROTOBUF are refused.',
  },
  TW_DEVSR_UNSUPPORTED_FEATURE: {
    retriable: false,
    description: 'Schema references, metadata and rule sets are not supported by the dev registry.',
  },
  TW_DEVSR_INVALID_VERSION: { retriable: false, description: 'A version must be an integer from 1 to 2^31-1, "latest" or -1.' },
  TW_DEVSR_INVALID_COMPATIBILITY_LEVEL: {
    retriable: false,
    description: 'The compatibility level is not one of NONE, BACKWARD(_TRANSITIVE), FORWARD(_TRANSITIVE), FULL(_TRANSITIVE).',
  },
  TW_DEVSR_STORE_FAILED: {
    retriable: true,
    description: 'Writing the state file failed (disk full, permissions); the change was not applied.',
  },
  TW_DEVSR_STATE_FILE_INVALID: {
    retriable: false,
    description: 'The state file exists but is not a valid registry state; fix or remove it.',
  },
});

export type DevSchemaRegistryErrorCode = keyof typeof devSchemaRegistryErrors.catalogue;

/** How a Confluent Schema Registry answers an error: HTTP status and body `error_code`. */
export interface WireError {
  readonly status: number;
  readonly errorCode: number;
}

/**
 * The Confluent error each code is sent as. Clients branch on `error_code` (e.g. 40401 means
 * "not registered yet"), so these numbers are the real registry's, not ours to choose.
 * The state file code never reaches the wire: it stops the app from starting.
 */
export const wireErrors: Readonly<Record<DevSchemaRegistryErrorCode, WireError>> = {
  TW_DEVSR_SUBJECT_NOT_FOUND: { status: 404, errorCode: 40401 },
  TW_DEVSR_VERSION_NOT_FOUND: { status: 404, errorCode: 40402 },
  TW_DEVSR_SCHEMA_NOT_FOUND: { status: 404, errorCode: 40403 },
  TW_DEVSR_SUBJECT_SOFT_DELETED: { status: 404, errorCode: 40404 },
  TW_DEVSR_SUBJECT_NOT_SOFT_DELETED: { status: 404, errorCode: 40405 },
  TW_DEVSR_VERSION_SOFT_DELETED: { status: 404, errorCode: 40406 },
  TW_DEVSR_VERSION_NOT_SOFT_DELETED: { status: 404, errorCode: 40407 },
  TW_DEVSR_SUBJECT_CONFIG_NOT_FOUND: { status: 404, errorCode: 40408 },
  TW_DEVSR_INCOMPATIBLE_SCHEMA: { status: 409, errorCode: 409 },
  TW_DEVSR_INVALID_SCHEMA: { status: 422, errorCode: 42201 },
  TW_DEVSR_UNSUPPORTED_SCHEMA_TYPE: { status: 422, errorCode: 42201 },
  TW_DEVSR_UNSUPPORTED_FEATURE: { status: 422, errorCode: 42201 },
  TW_DEVSR_INVALID_VERSION: { status: 422, errorCode: 42202 },
  TW_DEVSR_INVALID_COMPATIBILITY_LEVEL: { status: 422, errorCode: 42203 },
  TW_DEVSR_STORE_FAILED: { status: 500, errorCode: 50001 },
  TW_DEVSR_STATE_FILE_INVALID: { status: 500, errorCode: 50001 },
};
