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

const isJsonSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

function trimmed(body: Buffer, start: number, end: number): Buffer {
  while (start < end && isJsonSpace(body[start]!)) start++;
  while (end > start && isJsonSpace(body[end - 1]!)) end--;
  return body.subarray(start, end);
}

/**
 * The bytes of each element of a top-level JSON array, as sent, so a rejected element reaches
 * events.dlq untouched (re-serializing would change spacing, key escapes, and turn 1e400 into null).
 * Only called on a body JSON.parse accepted: valid UTF-8 JSON, where no byte of a multi-byte character
 * looks like ASCII, so tracking strings, escapes and nesting is enough.
 */
function arrayElementBytes(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let i = body.indexOf(0x5b) + 1; // the opening '[' (after any whitespace or byte-order mark)
  let start = i;
  let depth = 0;
  let inString = false;
  for (; i < body.length; i++) {
    const b = body[i]!;
    if (inString) {
      if (b === 0x5c)
        i++; // skip the escaped character
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x5b || b === 0x7b) depth++;
    else if ((b === 0x5d || b === 0x7d) && depth > 0) depth--;
    else if (b === 0x5d || (b === 0x2c && depth === 0)) {
      const element = trimmed(body, start, i);
      if (element.length > 0) out.push(element);
      if (b === 0x5d) break;
      start = i + 1;
    }
  }
  return out;
}

/**
 * Splits a request body into events. NDJSON: one event per non-blank line, each line's bytes as
 * sent. JSON: an array is a batch (each element with its bytes as sent), anything else is one event
 * with the body's bytes.
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
    const elements = arrayElementBytes(body);
    // Compact re-serialization only if the scanner ever disagreed with JSON.parse (a property test pins it).
    const bytesOf = (value: unknown, i: number) =>
      elements.length === parsed.length ? elements[i]! : Buffer.from(JSON.stringify(value) ?? 'null');
    return { kind: 'items', items: parsed.map((value: unknown, i) => ({ bytes: bytesOf(value, i), decoded: value })) };
  }
  return { kind: 'items', items: [{ bytes: body, decoded: parsed }] };
}
