import { parseJsonBytes } from './validate-event.js';

/** One event of a request body: its bytes (kept for events.dlq) and, for JSON arrays, the parsed value. */
export interface BodyItem {
  readonly bytes: Buffer;
  readonly decoded?: unknown;
}

export type SplitBody =
  | { readonly kind: 'items'; readonly items: BodyItem[] }
  /** The body as a whole is not JSON: it is one rejected input (dead-lettered whole, answered 400). */
  | { readonly kind: 'malformed'; readonly bytes: Buffer };

/**
 * Splits a request body into events. NDJSON: one event per non-blank line, each line's bytes as
 * sent. JSON: an array is a batch (each element re-serialized compactly, the only bytes it has on
 * its own), anything else is one event with the body's bytes.
 */
export function splitBody(body: Buffer, ndjson: boolean): SplitBody {
  if (ndjson) {
    const items: BodyItem[] = [];
    let start = 0;
    while (start <= body.length) {
      let end = body.indexOf(0x0a, start);
      if (end === -1) end = body.length;
      let line = body.subarray(start, end);
      if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
      if (line.some((b) => b !== 0x20 && b !== 0x09)) items.push({ bytes: Buffer.from(line) });
      start = end + 1;
    }
    return { kind: 'items', items };
  }
  let parsed: unknown;
  try {
    parsed = parseJsonBytes(body);
  } catch {
    return { kind: 'malformed', bytes: body };
  }
  if (Array.isArray(parsed)) {
    return {
      kind: 'items',
      items: parsed.map((value: unknown) => ({ bytes: Buffer.from(JSON.stringify(value) ?? 'null'), decoded: value })),
    };
  }
  return { kind: 'items', items: [{ bytes: body, decoded: parsed }] };
}
