import type { PaymentEvent, RawPaymentEvent } from '@tidewater/schemas';
import { isWellFormedText, loadSchema, maxIdLength } from '@tidewater/schemas';
import { maxAmountFor, type AmountLimits } from './amount-limits.js';
import { ingestErrors } from './errors.js';

const rawType = loadSchema('rawPaymentEvent').type;
const knownFields = new Set((JSON.parse(loadSchema('rawPaymentEvent').text) as { fields: { name: string }[] }).fields.map((f) => f.name));
const channels = new Set(['ecom', 'pos', 'atm', 'moto']);
// ISO 8601 date-time with an explicit zone, as upstream contracts require (no local times).
const isoWithZone = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
// ISO 4217 codes as ICU knows them (Node's Intl), rather than any three capital letters.
const currencies = new Set(Intl.supportedValuesOf('currency'));
const decoder = new TextDecoder('utf-8', { fatal: true });

// Date.parse rolls impossible days over (2025-02-30 becomes March 2), so the day is checked first.
function isIsoWithZone(text: string): boolean {
  const m = isoWithZone.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  return day >= 1 && day <= days;
}

/** What the configuration decides about events beyond the schema's own rules. */
export interface ValidationPolicy {
  /** Fields the schema does not know: dropped, or the event rejected with TW_INGEST_UNKNOWN_FIELD. */
  readonly unknownFields: 'drop' | 'reject';
  /** How far occurred_at may lie after the ingestion time (clock skew upstream); Infinity turns the check off. */
  readonly maxFutureSkewMs: number;
  /**
   * How far occurred_at may lie before the ingestion time; absent or Infinity turns the check off.
   * Without it `0001-01-01` was scored and opened windows that never closed (issue 20).
   */
  readonly maxPastSkewMs?: number;
  /** The accepted amount range per currency; absent: any finite amount >= 0. */
  readonly amountLimits?: AmountLimits;
  /** Fields whose values never appear in error messages (they reach logs and DLQ headers): the sensitive ones. */
  readonly redactFields?: ReadonlySet<string>;
}

/** The policy of the validator's own tests and of callers that configure nothing: drop, no skew check. */
export const lenientPolicy: ValidationPolicy = { unknownFields: 'drop', maxFutureSkewMs: Number.POSITIVE_INFINITY };

/** Parses UTF-8 JSON bytes into a value, or throws TW_INGEST_MALFORMED_JSON. */
export function parseJsonBytes(bytes: Buffer | null): unknown {
  let text: string;
  try {
    text = decoder.decode(bytes ?? Buffer.alloc(0));
  } catch {
    throw ingestErrors.create('TW_INGEST_MALFORMED_JSON', 'payload is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    // V8 quotes up to ~20 characters of the input in some messages (`Unexpected token 'N', ..."1111","x":NaN}"
    // is not valid JSON`): that would carry card numbers into DLQ headers and logs, so only the position is
    // kept. The error is not chained as the cause for the same reason.
    const at = err instanceof SyntaxError ? / at position (\d+)/.exec(err.message) : null;
    throw ingestErrors.create('TW_INGEST_MALFORMED_JSON', `payload is not valid JSON${at ? ` (at character ${at[1]})` : ''}`);
  }
}

/**
 * Turns raw JSON bytes into a validated, normalized PaymentEvent or throws the reason.
 * Structure comes from raw-payment-event.avsc (the same schema upstream teams read);
 * semantic rules sit on top.
 */
export function validateRawEvent(bytes: Buffer | null, ingestedAt: number, policy: ValidationPolicy = lenientPolicy): PaymentEvent {
  return validateRawObject(parseJsonBytes(bytes), ingestedAt, policy);
}

/** Validates an already decoded value (from JSON, or from Avro on events.raw) into a PaymentEvent. */
export function validateRawObject(parsed: unknown, ingestedAt: number, policy: ValidationPolicy = lenientPolicy): PaymentEvent {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw ingestErrors.create('TW_INGEST_NOT_AN_OBJECT', 'payload must be a JSON object');
  }
  // avsc checks only the schema's fields (unknown ones are ignored, and the output below copies
  // the known ones), so the payload is checked as parsed; the error hook runs only for a failure.
  if (!rawType.isValid(parsed)) {
    const problems: string[] = [];
    rawType.isValid(parsed, {
      errorHook: (path, value) =>
        problems.push(
          `${path.join('.')}=${policy.redactFields?.has(path[0] ?? '') ? '[redacted]' : (JSON.stringify(value) ?? 'undefined')}`,
        ),
    });
    throw ingestErrors.create('TW_INGEST_SCHEMA_VIOLATION', `fields missing or of the wrong type: ${problems.join(', ')}`);
  }
  if (policy.unknownFields === 'reject') {
    const unknown = Object.keys(parsed).filter((k) => !knownFields.has(k));
    if (unknown.length > 0)
      throw ingestErrors.create(
        'TW_INGEST_UNKNOWN_FIELD',
        `fields the schema does not know: ${unknown.map((k) => JSON.stringify(k)).join(', ')}`,
      );
  }
  const raw = parsed as RawPaymentEvent;
  // JSON's \ud800 escapes make strings UTF-8 cannot carry; caught before any rule quotes the value.
  const illFormed = [...knownFields].filter((k) => {
    const value: unknown = (raw as unknown as Record<string, unknown>)[k];
    return typeof value === 'string' && !isWellFormedText(value);
  });
  if (illFormed.length > 0)
    throw ingestErrors.create('TW_INGEST_INVALID_TEXT', `${illFormed.join(', ')}: not well-formed Unicode (a lone UTF-16 surrogate)`);
  for (const id of ['event_id', 'card_id', 'merchant_id'] as const) {
    if (raw[id].trim().length === 0 || raw[id].length > maxIdLength)
      throw ingestErrors.create('TW_INGEST_INVALID_ID', `${id} must be 1-${maxIdLength} characters`);
  }
  if (!Number.isFinite(raw.amount) || raw.amount < 0)
    throw ingestErrors.create('TW_INGEST_INVALID_AMOUNT', `amount must be finite and >= 0, got ${raw.amount}`);
  if (!currencies.has(raw.currency))
    throw ingestErrors.create('TW_INGEST_INVALID_CURRENCY', `currency must be an ISO 4217 code, got ${JSON.stringify(raw.currency)}`);
  if (policy.amountLimits) {
    const min = policy.amountLimits.min;
    const max = maxAmountFor(policy.amountLimits, raw.currency);
    if (raw.amount < min || raw.amount > max)
      throw ingestErrors.create('TW_INGEST_AMOUNT_OUT_OF_RANGE', `amount must be in [${min}, ${max}] ${raw.currency}, got ${raw.amount}`);
  }
  const occurredAt = isIsoWithZone(raw.occurred_at) ? Date.parse(raw.occurred_at) : Number.NaN;
  if (!Number.isFinite(occurredAt))
    throw ingestErrors.create(
      'TW_INGEST_INVALID_TIMESTAMP',
      `occurred_at must be ISO 8601 with a zone, got ${JSON.stringify(raw.occurred_at)}`,
    );
  if (occurredAt - ingestedAt > policy.maxFutureSkewMs)
    throw ingestErrors.create(
      'TW_INGEST_FUTURE_TIMESTAMP',
      `occurred_at ${JSON.stringify(raw.occurred_at)} is ${occurredAt - ingestedAt} ms in the future (allowed: ${policy.maxFutureSkewMs})`,
    );
  if (policy.maxPastSkewMs !== undefined && ingestedAt - occurredAt > policy.maxPastSkewMs)
    throw ingestErrors.create(
      'TW_INGEST_PAST_TIMESTAMP',
      `occurred_at ${JSON.stringify(raw.occurred_at)} is ${ingestedAt - occurredAt} ms in the past (allowed: ${policy.maxPastSkewMs})`,
    );
  if (!channels.has(raw.channel))
    throw ingestErrors.create(
      'TW_INGEST_INVALID_CHANNEL',
      `channel must be one of ecom, pos, atm, moto, got ${JSON.stringify(raw.channel)}`,
    );
  return {
    event_id: raw.event_id,
    occurred_at: occurredAt,
    ingested_at: ingestedAt,
    card_id: raw.card_id,
    amount: raw.amount,
    currency: raw.currency,
    merchant_id: raw.merchant_id,
    merchant_category: raw.merchant_category,
    country: raw.country,
    channel: raw.channel as PaymentEvent['channel'],
  };
}
