import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertingErrors } from '../errors.js';
import { parseRetryAfter, postToReceiver, retryAfterMsOf } from './receiver-client.js';
import { startFakeWebhook, type FakeWebhook } from '../../test/fake-webhook.js';

let receiver: FakeWebhook;
const timeoutMs = 300;

beforeAll(async () => {
  receiver = await startFakeWebhook();
});

afterAll(async () => {
  await receiver.close();
});

/** What postToReceiver threw for one scripted answer. */
async function failureOf(path: string, now?: () => number) {
  try {
    await postToReceiver(receiver.url(path), { text: 'hello' }, { timeoutMs, ...(now ? { now } : {}) });
  } catch (err) {
    if (!alertingErrors.is(err)) throw err;
    return { code: err.code, retriable: err.retriable, message: err.message, details: err.details, retryAfterMs: retryAfterMsOf(err) };
  }
  throw new Error(`expected the POST to ${path} to fail`);
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('postToReceiver', () => {
  it('posts JSON with the extra headers and resolves on 2xx', async () => {
    receiver.script('/accepted', [{ status: 202, body: '{"status":"success"}' }]);
    await expect(
      postToReceiver(receiver.url('/accepted'), { event_action: 'trigger' }, { timeoutMs, headers: { authorization: 'Bearer t' } }),
    ).resolves.toEqual({ status: 202, body: '{"status":"success"}' });
    expect(receiver.received.at(-1)).toMatchObject({ path: '/accepted', body: { event_action: 'trigger' } });
  });

  it('treats 429 as retriable and reads Retry-After in seconds', async () => {
    receiver.script('/429', [{ status: 429, body: 'rate_limited', headers: { 'retry-after': '7' } }]);
    const failure = await failureOf('/429');
    expect(failure).toMatchObject({
      code: 'TW_ALERT_RECEIVER_UNAVAILABLE',
      retriable: true,
      retryAfterMs: 7000,
      details: { status: 429, body: 'rate_limited' },
    });
  });

  it('reads Retry-After given as an HTTP date against the clock', async () => {
    const now = Date.UTC(2025, 2, 1, 10, 0, 0);
    receiver.script('/429-date', [{ status: 429, body: 'slow down', headers: { 'retry-after': 'Sat, 01 Mar 2025 10:00:30 GMT' } }]);
    expect(await failureOf('/429-date', () => now)).toMatchObject({ retriable: true, retryAfterMs: 30_000 });
  });

  it.each([
    [500, 'internal_error'],
    [503, 'service_unavailable'],
    [408, 'request_timeout'],
  ])('treats %i as retriable', async (status, body) => {
    receiver.script(`/${status}`, [{ status, body }]);
    const failure = await failureOf(`/${status}`);
    expect(failure).toMatchObject({ code: 'TW_ALERT_RECEIVER_UNAVAILABLE', retriable: true, details: { status, body } });
    expect(failure.retryAfterMs).toBeUndefined();
  });

  it.each([
    [400, 'invalid_payload'],
    [403, 'invalid_token'],
    [404, 'no_service'],
    [410, 'channel_is_archived'],
    [422, 'unprocessable'],
  ])('treats %i as a permanent refusal carrying the answer', async (status, body) => {
    receiver.script(`/refused-${status}`, [{ status, body }]);
    const failure = await failureOf(`/refused-${status}`);
    expect(failure).toMatchObject({ code: 'TW_ALERT_RECEIVER_REJECTED', retriable: false, details: { status, body } });
    expect(failure.message).toContain(body);
  });

  it('gives up after the timeout on a receiver that never answers, as retriable', async () => {
    receiver.script('/hang', ['hang']);
    const started = performance.now();
    expect(await failureOf('/hang')).toMatchObject({ code: 'TW_ALERT_RECEIVER_UNAVAILABLE', retriable: true, details: { timedOut: true } });
    expect(performance.now() - started).toBeGreaterThanOrEqual(timeoutMs - 50);
  });

  it('treats a refused connection as retriable and keeps the URL out of the message', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/services/T000/B000/SECRET`;
    const err = await postToReceiver(url, {}, { timeoutMs }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TW_ALERT_RECEIVER_UNAVAILABLE', retriable: true });
    expect(String((err as Error).message)).not.toContain('SECRET');
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2025, 2, 1, 10, 0, 0);
  it('reads delay-seconds and HTTP dates, and ignores what it cannot read', () => {
    expect(parseRetryAfter('1', now)).toBe(1000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter('Sat, 01 Mar 2025 10:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Sat, 01 Mar 2025 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});
