import { alertingErrors } from './errors.js';

const permanentStatuses = new Set([400, 401, 403, 404, 410, 413]);

/**
 * Posts one message to a Slack incoming webhook. 429, 5xx, timeouts and network errors are
 * retriable (the caller backs off); other 4xx answers are permanent and carry Slack's error string.
 */
export async function postToSlack(url: string, message: unknown, timeoutMs: number): Promise<void> {
  let res: Response;
  let body: string;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Inside the try: the timeout also covers a body that stalls or breaks after the headers.
    body = await res.text();
  } catch (cause) {
    throw alertingErrors.create('TW_ALERT_SLACK_UNAVAILABLE', `Slack webhook unreachable: ${(cause as Error).message}`, { cause });
  }
  if (res.ok) return;
  // Only answers that say the message or the webhook is wrong are permanent; anything else
  // (429, 408, 5xx, a proxy's odd status) may pass on a later try.
  if (!permanentStatuses.has(res.status)) {
    throw alertingErrors.create('TW_ALERT_SLACK_UNAVAILABLE', `Slack answered ${res.status} ${body}`, {
      details: { status: res.status, retryAfter: res.headers.get('retry-after') },
    });
  }
  throw alertingErrors.create('TW_ALERT_SLACK_REJECTED', `Slack refused the message: ${res.status} ${body}`, {
    details: { status: res.status },
  });
}
