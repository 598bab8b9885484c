import { defineErrors } from '@tidewater/errors';

/**
 * Error catalogue of the Confluent-wire-format Avro serde. Decode errors end up in
 * dead-letter headers, so each code names one cause an operator acts on differently.
 */
export const serdeErrors = defineErrors('TW_SERDE_', {
  TW_SERDE_INVALID_VALUE: {
    retriable: false,
    description: 'A value does not match its Avro schema (the message names the offending field paths); fix the producer code.',
  },
  TW_SERDE_SCHEMA_NOT_REGISTERED: {
    retriable: false,
    description: 'Auto-registration is off and the subject does not hold the schema; register it (or enable autoRegister in dev).',
  },
  TW_SERDE_SCHEMA_REJECTED: {
    retriable: false,
    description: 'The registry refused to register the schema (incompatible with the subject, or invalid); evolve the schema compatibly.',
  },
  TW_SERDE_NOT_WIRE_FORMAT: {
    retriable: false,
    description:
      'The bytes are not in the Confluent wire format (shorter than 5 bytes or first byte not 0); the producer did not use a registry serializer.',
  },
  TW_SERDE_UNKNOWN_SCHEMA_ID: {
    retriable: false,
    description: 'The registry has no schema with the writer schema id in the message; it was produced against another registry.',
  },
  TW_SERDE_UNSUPPORTED_WRITER_SCHEMA: {
    retriable: false,
    description:
      'The writer schema is not a self-contained Avro schema this serde can parse (another schema type, references, or invalid JSON).',
  },
  TW_SERDE_INCOMPATIBLE_WRITER_SCHEMA: {
    retriable: false,
    description:
      'The writer schema cannot be resolved into the reader schema (Avro schema resolution fails); the producer broke compatibility.',
  },
  TW_SERDE_CORRUPT_BODY: {
    retriable: false,
    description: 'The Avro body does not decode with its writer schema (unreadable, truncated, or followed by trailing bytes).',
  },
  TW_SERDE_SCHEMA_NOT_PREPARED: {
    retriable: true,
    description: 'decode() met a writer schema id that was not fetched yet; call prepare() on the batch (or use decodeAsync) first.',
  },
  TW_SERDE_REGISTRY_UNAVAILABLE: {
    retriable: true,
    description: 'The schema registry could not be reached or answered with a transient status (408, 429, 5xx); retry later.',
  },
  TW_SERDE_REGISTRY_REQUEST_FAILED: {
    retriable: false,
    description:
      'The schema registry refused a request for a reason retrying does not fix (for example 401/403); check the registry configuration.',
  },
});

export type SerdeErrorCode = keyof typeof serdeErrors.catalogue;
