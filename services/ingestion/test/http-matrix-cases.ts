import { randomUUID } from 'node:crypto';

// The HTTP bad-input matrix of issue #4 as data, for http-matrix.int.test.ts: each request whose items are read,
// with every item's bytes as sent and its documented fate (docs/ingestion/http-api.md and the README's "Errors").

/** What an item must become: accepted, a duplicate, or rejected with this code. */
export type Fate = 'accepted' | 'duplicate' | `TW_INGEST_${string}`;

export interface MatrixItem {
  readonly bytes: Buffer;
  readonly fate: Fate;
}

/** A request the API reads item by item (2xx, 422, or 400 for a body that is not JSON at all). */
export interface ItemCase {
  readonly what: string;
  /** Which instance answers it: UNKNOWN_FIELDS=drop or UNKNOWN_FIELDS=reject (both share Redis: replicas). */
  readonly app: 'drop' | 'reject';
  /** json: one item is the whole body; array: a JSON array of the items; ndjson: one item per line. */
  readonly framing: 'json' | 'array' | 'ndjson';
  readonly items: readonly MatrixItem[];
  readonly status: 200 | 400 | 422;
  /** The request-level code next to the results (a body that is not JSON). */
  readonly error?: string;
}

/** The per-item result of a response, as the README documents it. */
export interface ItemResultBody {
  readonly index: number;
  readonly status: 'accepted' | 'duplicate' | 'rejected';
  readonly eventId?: string;
  readonly code?: string;
}

export interface ResponseBody {
  readonly requestId: string;
  readonly submitted?: number;
  readonly accepted?: number;
  readonly rejected?: number;
  readonly duplicates?: number;
  readonly results?: readonly ItemResultBody[];
  readonly error?: { readonly code: string; readonly message: string };
}

export function event(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: `hm-${randomUUID()}`,
    occurred_at: new Date(Date.now() - 60_000).toISOString(),
    card_id: `card-${randomUUID().slice(0, 4)}`,
    amount: 7,
    currency: 'EUR',
    merchant_id: 'm-1',
    merchant_category: '5411',
    country: 'DE',
    channel: 'ecom',
    ...patch,
  };
}

const bytes = (value: Record<string, unknown> | string | Buffer): Buffer =>
  Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
export const item = (value: Record<string, unknown> | string | Buffer, fate: Fate): MatrixItem => ({ bytes: bytes(value), fate });
export const good = (): MatrixItem => item(event(), 'accepted');

function without(field: string): Record<string, unknown> {
  const { [field]: _dropped, ...rest } = event();
  return rest;
}
/** An event whose amount is written as raw JSON text (NaN and 1e400 cannot come out of JSON.stringify). */
const amountText = (text: string) => JSON.stringify(event()).replace('"amount":7,', `"amount":${text},`);
const badUtf8 = Buffer.concat([Buffer.from('{"event_id":"e-'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);

/** The request body of a case, each item's bytes exactly as the DLQ must keep them. */
export function bodyOf(c: Pick<ItemCase, 'framing' | 'items'>): Buffer {
  const parts = c.items.map((i) => i.bytes);
  if (c.framing === 'json') return parts[0]!;
  if (c.framing === 'ndjson') return Buffer.concat(parts.flatMap((p) => [p, Buffer.from('\n')]));
  return Buffer.concat([Buffer.from('['), ...parts.flatMap((p, i) => (i === 0 ? [p] : [Buffer.from(','), p])), Buffer.from(']')]);
}

/** Item-level cases; `first` and `second` are the events the duplicate cases repeat. */
export function itemCases(): ItemCase[] {
  const first = event();
  const second = event();
  return [
    {
      what: 'malformed JSON',
      app: 'drop',
      framing: 'json',
      items: [item('{"event_id":', 'TW_INGEST_MALFORMED_JSON')],
      status: 400,
      error: 'TW_INGEST_MALFORMED_JSON',
    },
    {
      what: 'invalid UTF-8',
      app: 'drop',
      framing: 'json',
      items: [item(badUtf8, 'TW_INGEST_MALFORMED_JSON')],
      status: 400,
      error: 'TW_INGEST_MALFORMED_JSON',
    },
    {
      what: 'malformed and non-UTF-8 NDJSON lines between good ones',
      app: 'drop',
      framing: 'ndjson',
      items: [good(), item('{"event_id":', 'TW_INGEST_MALFORMED_JSON'), item(badUtf8, 'TW_INGEST_MALFORMED_JSON'), good()],
      status: 422,
    },
    {
      what: 'wrong types',
      app: 'drop',
      framing: 'array',
      items: [
        item(event({ amount: '12' }), 'TW_INGEST_SCHEMA_VIOLATION'),
        item(event({ event_id: 5 }), 'TW_INGEST_SCHEMA_VIOLATION'),
        good(),
      ],
      status: 422,
    },
    {
      what: 'missing fields and an empty id',
      app: 'drop',
      framing: 'array',
      items: [
        item(without('amount'), 'TW_INGEST_SCHEMA_VIOLATION'),
        item(without('event_id'), 'TW_INGEST_SCHEMA_VIOLATION'),
        item(event({ event_id: '' }), 'TW_INGEST_INVALID_ID'),
      ],
      status: 422,
    },
    {
      what: 'JSON that is not an object',
      app: 'drop',
      framing: 'array',
      items: [item('42', 'TW_INGEST_NOT_AN_OBJECT'), item('null', 'TW_INGEST_NOT_AN_OBJECT')],
      status: 422,
    },
    {
      what: 'an unknown field (UNKNOWN_FIELDS=drop)',
      app: 'drop',
      framing: 'array',
      items: [item(event({ note: 'x' }), 'accepted')],
      status: 200,
    },
    {
      what: 'an unknown field (UNKNOWN_FIELDS=reject)',
      app: 'reject',
      framing: 'array',
      items: [item(event({ note: 'x' }), 'TW_INGEST_UNKNOWN_FIELD'), good()],
      status: 422,
    },
    {
      what: 'negative, NaN and infinite amounts',
      app: 'drop',
      framing: 'ndjson',
      items: [
        item(event({ amount: -1 }), 'TW_INGEST_INVALID_AMOUNT'),
        item(amountText('NaN'), 'TW_INGEST_MALFORMED_JSON'), // JSON has no NaN literal
        item(amountText('1e400'), 'TW_INGEST_INVALID_AMOUNT'), // parses to Infinity
        item(event({ amount: 'NaN' }), 'TW_INGEST_SCHEMA_VIOLATION'),
      ],
      status: 422,
    },
    {
      what: 'bad currencies',
      app: 'drop',
      framing: 'array',
      items: [
        item(event({ currency: 'EURO' }), 'TW_INGEST_INVALID_CURRENCY'),
        item(event({ currency: 'XXQ' }), 'TW_INGEST_INVALID_CURRENCY'),
      ],
      status: 422,
    },
    {
      what: 'far-future and unparseable timestamps',
      app: 'drop',
      framing: 'array',
      items: [
        item(event({ occurred_at: '2099-01-01T00:00:00Z' }), 'TW_INGEST_FUTURE_TIMESTAMP'),
        item(event({ occurred_at: 'soon' }), 'TW_INGEST_INVALID_TIMESTAMP'),
        item(event({ occurred_at: '2026-02-30T10:00:00Z' }), 'TW_INGEST_INVALID_TIMESTAMP'),
        item(event({ occurred_at: '2026-11-23T10:00:00' }), 'TW_INGEST_INVALID_TIMESTAMP'),
      ],
      status: 422,
    },
    {
      what: 'a duplicate id inside one batch',
      app: 'drop',
      framing: 'array',
      items: [item(first, 'accepted'), item(second, 'accepted'), item(first, 'duplicate')],
      status: 200,
    },
    {
      what: 'duplicate ids across batches, on the other replica',
      app: 'reject',
      framing: 'ndjson',
      items: [item(second, 'duplicate'), good(), item(first, 'duplicate')],
      status: 200,
    },
  ];
}
