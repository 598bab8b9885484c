import { defineErrors } from '@tidewater/errors';

/**
 * Why ingestion refused an event or a request. An event-level code is the `tw.error.code` header on
 * events.dlq and the `code` of its item in an HTTP response; a request-level code is the `code` of
 * an HTTP error response (nothing of such a request reaches Kafka).
 */
export const ingestErrors = defineErrors('TW_INGEST_', {
  TW_INGEST_MALFORMED_JSON: { retriable: false, description: 'The payload is not valid UTF-8 JSON.' },
  TW_INGEST_NOT_AN_OBJECT: { retriable: false, description: 'The payload is JSON but not an object.' },
  TW_INGEST_SCHEMA_VIOLATION: {
    retriable: false,
    description: 'A field is missing or has the wrong type for raw-payment-event.avsc; the message names the fields.',
  },
  TW_INGEST_UNKNOWN_FIELD: {
    retriable: false,
    description: 'The payload has fields the schema does not know and UNKNOWN_FIELDS=reject; the message names them.',
  },
  TW_INGEST_INVALID_AMOUNT: { retriable: false, description: 'amount is negative or not finite.' },
  TW_INGEST_AMOUNT_OUT_OF_RANGE: {
    retriable: false,
    description: "amount is outside [AMOUNT_MIN, AMOUNT_MAX], or above its currency's limit in AMOUNT_MAX_BY_CURRENCY.",
  },
  TW_INGEST_INVALID_CURRENCY: { retriable: false, description: 'currency is not a three-letter ISO 4217 code.' },
  TW_INGEST_INVALID_TIMESTAMP: { retriable: false, description: 'occurred_at is not an ISO 8601 timestamp with a zone.' },
  TW_INGEST_FUTURE_TIMESTAMP: {
    retriable: false,
    description: 'occurred_at is further in the future than MAX_FUTURE_SKEW_MS allows.',
  },
  TW_INGEST_PAST_TIMESTAMP: {
    retriable: false,
    description: 'occurred_at is further in the past than MAX_PAST_SKEW_MS allows.',
  },
  TW_INGEST_INVALID_CHANNEL: { retriable: false, description: 'channel is not one of ecom, pos, atm, moto.' },
  TW_INGEST_INVALID_ID: { retriable: false, description: 'event_id, card_id or merchant_id is empty or longer than 128 characters.' },
  TW_INGEST_INVALID_TEXT: {
    retriable: false,
    description: 'A string field holds a lone UTF-16 surrogate (a JSON \\ud800 escape): not well-formed Unicode, not encodable as UTF-8.',
  },
  // Request-level (HTTP) codes.
  TW_INGEST_EMPTY_BATCH: { retriable: false, description: 'The request body holds no event (empty array or NDJSON without lines).' },
  TW_INGEST_BATCH_TOO_LARGE: { retriable: false, description: 'The batch holds more events than HTTP_MAX_BATCH.' },
  TW_INGEST_BODY_TOO_LARGE: { retriable: false, description: 'The request body is larger than HTTP_BODY_LIMIT_BYTES.' },
  TW_INGEST_UNSUPPORTED_MEDIA_TYPE: {
    retriable: false,
    description: 'The content type is not application/json or application/x-ndjson.',
  },
  TW_INGEST_UNSUPPORTED_ENCODING: {
    retriable: false,
    description: 'The Content-Encoding is not identity, gzip or deflate (one encoding at most).',
  },
  TW_INGEST_MALFORMED_ENCODING: { retriable: false, description: 'The body does not decompress as its Content-Encoding says.' },
  TW_INGEST_API_KEY_MISSING: { retriable: false, description: 'The request carries no API key (x-api-key or Authorization: Bearer).' },
  TW_INGEST_API_KEY_INVALID: { retriable: false, description: 'The API key is not one ingestion knows (or no keys are configured).' },
  TW_INGEST_API_KEY_REVOKED: { retriable: false, description: 'The API key is known but revoked.' },
  TW_INGEST_RATE_LIMITED: { retriable: true, description: "The key's token bucket is empty; retry after Retry-After seconds." },
  TW_INGEST_UNAVAILABLE: {
    retriable: true,
    description: 'Kafka or Redis cannot accept the events now (send failed or timed out, or too many in flight); nothing was accepted.',
  },
  TW_INGEST_IN_FLIGHT: {
    retriable: true,
    description:
      'An event of the batch is being published by another input (request or Kafka record) right now; retry after Retry-After seconds.',
  },
});

export type IngestErrorCode = keyof typeof ingestErrors.catalogue;
