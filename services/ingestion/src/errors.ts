import { defineErrors } from '@tidewater/errors';

/** Why ingestion rejected an event. The code is the `tw.error.code` header on events.dlq. */
export const ingestErrors = defineErrors('TW_INGEST_', {
  TW_INGEST_MALFORMED_JSON: { retriable: false, description: 'The payload is not valid UTF-8 JSON.' },
  TW_INGEST_NOT_AN_OBJECT: { retriable: false, description: 'The payload is JSON but not an object.' },
  TW_INGEST_SCHEMA_VIOLATION: {
    retriable: false,
    description: 'A field is missing or has the wrong type for raw-payment-event.avsc; the message names the fields.',
  },
  TW_INGEST_INVALID_AMOUNT: { retriable: false, description: 'amount is negative or not finite.' },
  TW_INGEST_INVALID_CURRENCY: { retriable: false, description: 'currency is not a three-letter ISO 4217 code.' },
  TW_INGEST_INVALID_TIMESTAMP: { retriable: false, description: 'occurred_at is not an ISO 8601 timestamp with a zone.' },
  TW_INGEST_INVALID_CHANNEL: { retriable: false, description: 'channel is not one of ecom, pos, atm, moto.' },
  TW_INGEST_INVALID_ID: { retriable: false, description: 'event_id, card_id or merchant_id is empty or longer than 128 characters.' },
});

export type IngestErrorCode = keyof typeof ingestErrors.catalogue;
