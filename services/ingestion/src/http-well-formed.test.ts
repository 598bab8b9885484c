import { deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { event, post, useHttpApiFixture } from '../test/http-api-harness.js';

// Issue 20, hole 5: text that cannot go out as UTF-8, and bodies in an encoding the API cannot read.
describe('POST /v1/events: well-formed text and Content-Encoding', () => {
  const { harness } = useHttpApiFixture();

  it('rejects a lone surrogate in any string field with TW_INGEST_INVALID_TEXT, nothing of it published', async () => {
    const { app, sink } = await harness();
    // JSON.stringify writes a lone surrogate as the escape \ud800, exactly what a client can send.
    const body = JSON.stringify([event({ card_id: 'card-\ud800' }), event({ merchant_category: '\udc0054' }), event()]);
    const res = await post(app, body);
    expect(res.statusCode).toBe(422);
    const results = res.json().results as { status: string; code?: string; message?: string }[];
    expect(results.map((r) => r.code ?? r.status)).toEqual(['TW_INGEST_INVALID_TEXT', 'TW_INGEST_INVALID_TEXT', 'accepted']);
    expect(results[0]!.message).toContain('card_id');
    expect(sink.valid.map((v) => v.event.card_id)).toEqual(['card-1']);
    expect(sink.dlq.map((l) => l.error.code)).toEqual(['TW_INGEST_INVALID_TEXT', 'TW_INGEST_INVALID_TEXT']);
  });

  it('takes astral characters and ids of exactly 128 code units, and no longer', async () => {
    const { app, sink } = await harness();
    const longest = '😀'.repeat(64);
    const res = await post(app, JSON.stringify([event({ card_id: longest }), event({ card_id: `${longest}x` })]));
    expect(res.json().results.map((r: { status: string; code?: string }) => r.code ?? r.status)).toEqual([
      'accepted',
      'TW_INGEST_INVALID_ID',
    ]);
    expect(sink.valid[0]!.event.card_id).toBe(longest);
  });

  it('reads gzip and deflate bodies as the events they carry', async () => {
    const { app, sink } = await harness();
    const gz = await post(app, gzipSync(JSON.stringify([event(), event()])), { 'content-encoding': 'gzip' });
    expect(gz.statusCode).toBe(200);
    expect(gz.json()).toMatchObject({ submitted: 2, accepted: 2 });
    const nd = [event(), event()].map((e) => JSON.stringify(e)).join('\n');
    const df = await post(app, deflateSync(nd), { 'content-encoding': 'Deflate', 'content-type': 'application/x-ndjson' });
    expect(df.json()).toMatchObject({ submitted: 2, accepted: 2 });
    expect((await post(app, JSON.stringify(event()), { 'content-encoding': 'identity' })).statusCode).toBe(200);
    expect(sink.valid).toHaveLength(5);
  });

  it('refuses encodings it cannot read with 415, corrupt ones with 400 and bombs with 413, writing nothing', async () => {
    const { app, sink } = await harness();
    const br = await post(app, JSON.stringify(event()), { 'content-encoding': 'br' });
    expect(br.statusCode).toBe(415);
    expect(br.json().error.code).toBe('TW_INGEST_UNSUPPORTED_ENCODING');
    const twice = await post(app, gzipSync(gzipSync(JSON.stringify(event()))), { 'content-encoding': 'gzip, gzip' });
    expect(twice.json().error.code).toBe('TW_INGEST_UNSUPPORTED_ENCODING');
    const corrupt = await post(app, JSON.stringify(event()), { 'content-encoding': 'gzip' });
    expect(corrupt.statusCode).toBe(400);
    expect(corrupt.json().error.code).toBe('TW_INGEST_MALFORMED_ENCODING');
    // 10 MB of spaces gzip to about 10 kB: under the 64 KiB body limit, far over it once inflated.
    const bomb = await post(app, gzipSync(Buffer.alloc(10_000_000, 0x20)), { 'content-encoding': 'gzip' });
    expect(bomb.statusCode).toBe(413);
    expect(bomb.json().error.code).toBe('TW_INGEST_BODY_TOO_LARGE');
    expect(sink.valid).toHaveLength(0);
    expect(sink.dlq).toHaveLength(0);
  });
});

describe('the events API on the ops server: methods', () => {
  const { harness } = useHttpApiFixture();

  it('answers GET /v1/events 405 with Allow: POST, not 404', async () => {
    const { app } = await harness();
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const res = await app.inject({ method, url: '/v1/events' });
      expect([res.statusCode, res.headers['allow']]).toEqual([405, 'POST']);
    }
  });
});
