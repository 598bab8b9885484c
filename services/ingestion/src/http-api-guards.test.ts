import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createApiKeyStore, hashApiKey } from './api-keys.js';
import { event, GOOD, LIMITED, post, REVOKED, useHttpApiFixture } from '../test/http-api-harness.js';

// What guards POST /v1/events: API keys, rate limits, and backpressure when Kafka cannot take the events.
describe('POST /v1/events guards', () => {
  const { harness, dir, limiter } = useHttpApiFixture();

  it.each<[string, Record<string, string>, number, string]>([
    ['no API key', { 'x-api-key': '' }, 401, 'TW_INGEST_API_KEY_MISSING'],
    ['an unknown API key', { 'x-api-key': 'nope' }, 401, 'TW_INGEST_API_KEY_INVALID'],
    ['an unknown bearer token', { 'x-api-key': '', authorization: 'Bearer nope' }, 401, 'TW_INGEST_API_KEY_INVALID'],
    ['a revoked API key', { 'x-api-key': REVOKED }, 403, 'TW_INGEST_API_KEY_REVOKED'],
  ])('refuses %s with its status and code and writes nothing', async (_what, headers, status, code) => {
    const { app, sink } = await harness();
    const res = await post(app, JSON.stringify(event()), headers);
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toBe(code);
    expect(sink.valid.length + sink.dlq.length).toBe(0);
  });

  it('checks the key before the body: without one, an oversized or non-JSON body is still answered 401', async () => {
    const { app } = await harness();
    const huge = await post(app, 'x'.repeat(70_000), { 'x-api-key': '' });
    expect(huge.statusCode).toBe(401);
    expect(huge.json()).toMatchObject({ requestId: huge.headers['x-request-id'], error: { code: 'TW_INGEST_API_KEY_MISSING' } });
    const text = await post(app, 'hello', { 'x-api-key': 'nope', 'content-type': 'text/plain' });
    expect(text.statusCode).toBe(401);
    expect(text.json().error.code).toBe('TW_INGEST_API_KEY_INVALID');
  });

  it('accepts the key as a bearer token too', async () => {
    const { app } = await harness();
    expect((await post(app, JSON.stringify(event()), { 'x-api-key': '', authorization: `Bearer ${GOOD}` })).statusCode).toBe(200);
    // The scheme is case-insensitive (RFC 9110 §11.1).
    expect((await post(app, JSON.stringify(event()), { 'x-api-key': '', authorization: `bearer ${GOOD}` })).statusCode).toBe(200);
  });

  it('sees keys added and revoked in the file without a restart', async () => {
    const { app, keys } = await harness();
    const rotated = `rotated-${randomUUID()}`;
    const file = join(dir(), `${randomUUID()}.json`);
    writeFileSync(file, JSON.stringify({ keys: [{ id: 'r', sha256: hashApiKey(rotated) }] }));
    const errors: string[] = [];
    const watched = pino({ level: 'error' }, { write: (line: string) => void errors.push((JSON.parse(line) as { msg: string }).msg) });
    const store = createApiKeyStore({ envKeys: '', file, reloadMs: 100, logger: watched });
    try {
      expect(store.check(rotated)).toMatchObject({ ok: true });
      writeFileSync(file, JSON.stringify({ keys: [{ id: 'r', sha256: hashApiKey(rotated), revoked: true }] }));
      await expect.poll(() => store.check(rotated), { timeout: 5000 }).toEqual({ ok: false, code: 'TW_INGEST_API_KEY_REVOKED' });
      writeFileSync(file, '{ not json');
      // Sentinel: the reload has read the broken file and refused it.
      await expect.poll(() => errors, { timeout: 5000 }).toContain('cannot reload API keys; keeping the previous ones');
      expect(store.check(rotated)).toEqual({ ok: false, code: 'TW_INGEST_API_KEY_REVOKED' }); // a broken file keeps the last keys
    } finally {
      store.close();
    }
    expect(keys.size).toBe(3);
    expect((await post(app, JSON.stringify(event()))).statusCode).toBe(200);
  });

  it('answers 429 with Retry-After once the key bucket is empty, shared across instances', async () => {
    const one = await harness();
    const two = await harness();
    // The limited key: burst 5, 1 event/s. Each harness has its own key id, so use one harness's bucket from both.
    const batch = () => JSON.stringify(Array.from({ length: 3 }, () => event()));
    expect((await post(one.app, batch(), { 'x-api-key': LIMITED })).statusCode).toBe(200);
    const limited = await post(one.app, batch(), { 'x-api-key': LIMITED });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('TW_INGEST_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(one.sink.valid).toHaveLength(3);
    // Another replica with the same Redis shares the bucket of a key id.
    const shared = limiter();
    const id = `shared-${randomUUID()}`;
    expect(await shared.take(id, 5, { ratePerSecond: 1, burst: 5 })).toMatchObject({ allowed: true });
    expect(await limiter().take(id, 1, { ratePerSecond: 1, burst: 5 })).toMatchObject({ allowed: false });
    expect(two.sink.valid).toHaveLength(0);
  });

  it('charges a batch larger than the key burst in full, and says how long the debt takes to clear', async () => {
    const { app, sink } = await harness();
    // The limited key: burst 5, 1 event/s. Eight events pass on the full bucket and leave it at -3.
    const big = await post(app, JSON.stringify(Array.from({ length: 8 }, () => event())), { 'x-api-key': LIMITED });
    expect(big.statusCode).toBe(200);
    const next = await post(app, JSON.stringify([event()]), { 'x-api-key': LIMITED });
    expect(next.statusCode).toBe(429);
    // From -3 tokens to 1 at 1 event/s: 4 s less the time between the requests (a take capped at the burst
    // would say 1 s).
    expect(Number(next.headers['retry-after'])).toBeGreaterThanOrEqual(3);
    expect(Number(next.headers['retry-after'])).toBeLessThanOrEqual(4);
    expect(sink.valid).toHaveLength(8);
  });

  it('answers 503 with Retry-After when Kafka fails, and the retry after recovery is accepted, not a duplicate', async () => {
    const { app, sink } = await harness();
    const batch = JSON.stringify([event(), event()]);
    sink.mode = 'fail';
    const down = await post(app, batch);
    expect(down.statusCode).toBe(503);
    expect(down.json().error.code).toBe('TW_INGEST_UNAVAILABLE');
    expect(down.headers['retry-after']).toBe('1');
    sink.mode = 'ok';
    const up = await post(app, batch);
    expect(up.statusCode).toBe(200);
    expect(up.json()).toMatchObject({ accepted: 2, duplicates: 0 });
    expect(sink.valid).toHaveLength(2);
  });

  it('answers 503 when Kafka does not acknowledge in time, and refuses more than the in-flight bound at once', async () => {
    const { app, sink } = await harness({ HTTP_MAX_IN_FLIGHT_EVENTS: '3' });
    sink.mode = 'hang';
    const stuckBody = JSON.stringify([event(), event()]);
    const stuck = await post(app, stuckBody);
    expect(stuck.statusCode).toBe(503);
    expect(stuck.json().error.code).toBe('TW_INGEST_UNAVAILABLE');
    // The two events still wait for Kafka: a third request of two would exceed the bound of three.
    const over = await post(app, JSON.stringify([event(), event()]));
    expect(over.statusCode).toBe(503);
    expect(over.json().error.message).toContain('in flight');
    sink.mode = 'ok';
    await expect.poll(() => sink.valid.length).toBe(2);
    // Kafka took the stuck request late: once its claims are confirmed, the retry is a duplicate, not a
    // second copy (until then the retry is told TW_INGEST_IN_FLIGHT, 503).
    await expect.poll(async () => (await post(app, stuckBody)).json()).toMatchObject({ accepted: 0, duplicates: 2 });
    expect(sink.valid).toHaveLength(2);
  });

  it('never publishes a second copy when a client retries a stuck request, even with the same request id after the pending TTL', async () => {
    const { app, sink } = await harness({ DEDUPE_PENDING_MS: '1000' });
    sink.mode = 'hang';
    const body = JSON.stringify([event(), event()]);
    const headers = { 'x-request-id': 'client-chosen-id' };
    expect((await post(app, body, headers)).statusCode).toBe(503);
    // Longer than the pending TTL: the first attempt, still waiting for Kafka, keeps its claims renewed.
    await new Promise((r) => setTimeout(r, 1500));
    const retry = await post(app, body, headers);
    expect(retry.statusCode).toBe(503);
    expect(retry.json().error.code).toBe('TW_INGEST_IN_FLIGHT');
    sink.mode = 'ok';
    await expect.poll(() => sink.valid.length).toBe(2);
    await expect.poll(async () => (await post(app, body, headers)).json()).toMatchObject({ accepted: 0, duplicates: 2 });
    expect(sink.valid).toHaveLength(2);
  });
});
