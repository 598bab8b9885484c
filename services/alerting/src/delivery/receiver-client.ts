import { alertingErrors } from '../errors.js';
import { clip } from './slack-text.js';

/** Enough of a receiver's answer to say why it refused (Slack's `invalid_payload`), not a whole HTML page. */
const maxBodyChars = 1000;

export interface PostOptions {
  readonly timeoutMs: number;
  /** Extra request headers (an Authorization for a webhook). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The time a `Retry-After` date is measured against; the queue passes its clock. */
  readonly now?: () => number;
}

/**
 * How long a `Retry-After` header asks to wait, in ms: it is either delay-seconds or an HTTP
 * date (RFC 9110 §10.2.3). Undefined when absent or unreadable; a date in the past means 0.
 */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  const at = Date.parse(value);
  if (Number.isNaN(at) || !/[a-z]/i.test(value)) return undefined;
  return Math.max(0, at - now);
}

/**
 * POSTs `body` as JSON to a receiver and resolves on 2xx. Failures are thrown classified:
 * 408, 429, 5xx, timeouts and network errors as `TW_ALERT_RECEIVER_UNAVAILABLE` (retriable, with
 * `details.retryAfterMs` when the answer had a Retry-After); other answers (400, 403, 404, 410, …) as
 * `TW_ALERT_RECEIVER_REJECTED` with the receiver's answer in `details.body`. Messages and details
 * never contain the URL: a Slack webhook URL is a credential.
 */
export async function postToReceiver(url: string, body: unknown, options: PostOptions): Promise<{ status: number; body: string }> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    // Inside the try: the timeout also covers a body that stalls or breaks after the headers.
    text = clip(await res.text(), maxBodyChars);
  } catch (cause) {
    const timedOut = cause instanceof Error && cause.name === 'TimeoutError';
    throw alertingErrors.create(
      'TW_ALERT_RECEIVER_UNAVAILABLE',
      timedOut ? `receiver did not answer within ${options.timeoutMs} ms` : `receiver unreachable: ${(cause as Error).message}`,
      { cause, details: { timedOut } },
    );
  }
  if (res.ok) return { status: res.status, body: text };
  if (res.status === 408 || res.status === 429 || res.status >= 500) {
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), (options.now ?? Date.now)());
    throw alertingErrors.create('TW_ALERT_RECEIVER_UNAVAILABLE', `receiver answered ${res.status} ${text}`, {
      details: { status: res.status, body: text, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
    });
  }
  throw alertingErrors.create('TW_ALERT_RECEIVER_REJECTED', `receiver refused the notification: ${res.status} ${text}`, {
    details: { status: res.status, body: text },
  });
}

/** The wait a retriable failure asked for (a 429's Retry-After), if any. */
export function retryAfterMsOf(err: unknown): number | undefined {
  if (!alertingErrors.is(err, 'TW_ALERT_RECEIVER_UNAVAILABLE')) return undefined;
  const value = err.details?.['retryAfterMs'];
  return typeof value === 'number' ? value : undefined;
}
