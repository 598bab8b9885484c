import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { event, post, useHttpApiFixture } from '../test/http-api-harness.js';

// Request handling of POST /v1/events: bodies, per-item results, the bad-input matrix, dedupe, docs.
describe('POST /v1/events', () => {
  const { harness } = useHttpApiFixture();

  it('accepts one event, answers its result with a request id, and continues the caller trace', async () => {
    const { app, sink } = await harness();
    const e = event();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await post(app, JSON.stringify(e), { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'x-request-id': 'req-abc' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toBe('req-abc');
    expect(res.json()).toEqual({
      requestId: 'req-abc',
      submitted: 1,
      accepted: 1,
      rejected: 0,
      duplicates: 0,
      results: [{ index: 0, status: 'accepted', eventId: e['event_id'] }],
    });
    expect(sink.valid).toHaveLength(1);
    expect(sink.valid[0]!.event.occurred_at).toBe(Date.UTC(2026, 10, 23, 11));
    expect(trace.getSpanContext(sink.valid[0]!.context!)?.traceId).toBe(traceId);
  });

  it('generates a request id when none (or an unsafe one) is sent', async () => {
    const { app } = await harness();
    const res = await post(app, JSON.stringify(event()), { 'x-request-id': 'bad id with spaces' });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.json().requestId).toBe(res.headers['x-request-id']);
  });

  it('takes a JSON array and NDJSON (CRLF and blank lines too), with per-item results in order', async () => {
    const { app, sink } = await harness();
    const arr = [event(), event({ amount: -1 }), event()];
    const a = await post(app, JSON.stringify(arr));
    expect(a.statusCode).toBe(422);
    expect(a.json().results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'rejected', 'accepted']);
    expect(a.json().results[1]).toMatchObject({ index: 1, code: 'TW_INGEST_INVALID_AMOUNT' });
    const lines = [event(), event()].map((e) => JSON.stringify(e)).join('\r\n\n');
    const n = await post(app, `${lines}\n`, { 'content-type': 'application/x-ndjson' });
    expect(n.statusCode).toBe(200);
    expect(n.json()).toMatchObject({ submitted: 2, accepted: 2 });
    // Media types are case-insensitive (RFC 9110).
    const upper = await post(app, [event(), event()].map((e) => JSON.stringify(e)).join('\n'), {
      'content-type': 'Application/X-NDJSON; charset=utf-8',
    });
    expect(upper.json()).toMatchObject({ submitted: 2, accepted: 2 });
    expect(sink.valid).toHaveLength(6);
    expect(sink.dlq).toHaveLength(1);
    // The rejected item keeps its bytes and names the request (and item) it came from.
    expect(JSON.parse(sink.dlq[0]!.value!.toString())).toEqual(arr[1]);
    expect(sink.dlq[0]!.source).toEqual({ kind: 'http', requestId: `${a.json().requestId}#1` });
  });

  const bad = (patch: Record<string, unknown>) => JSON.stringify(event(patch));
  const withoutAmount = () => {
    const { amount: _a, ...rest } = event();
    return rest;
  };
  it.each<[string, () => string | Buffer, string, number, string]>([
    ['malformed JSON', () => '{"event_id":', 'application/json', 400, 'TW_INGEST_MALFORMED_JSON'],
    [
      'invalid UTF-8',
      () => Buffer.concat([Buffer.from('{"event_id":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
      'application/json',
      400,
      'TW_INGEST_MALFORMED_JSON',
    ],
    ['a wrong type', () => bad({ amount: '12' }), 'application/json', 422, 'TW_INGEST_SCHEMA_VIOLATION'],
    ['a missing field', () => JSON.stringify(withoutAmount()), 'application/json', 422, 'TW_INGEST_SCHEMA_VIOLATION'],
    ['a negative amount', () => bad({ amount: -5 }), 'application/json', 422, 'TW_INGEST_INVALID_AMOUNT'],
    [
      'a NaN amount (NDJSON line)',
      () => JSON.stringify(withoutAmount()).replace(/}$/, ',"amount":NaN}'),
      'application/x-ndjson',
      422,
      'TW_INGEST_MALFORMED_JSON',
    ],
    [
      'an amount overflowing to Infinity',
      () => bad({ amount: 1 }).replace('"amount":1', '"amount":1e400'),
      'application/json',
      422,
      'TW_INGEST_INVALID_AMOUNT',
    ],
    ['a bad currency', () => bad({ currency: 'XXQ' }), 'application/json', 422, 'TW_INGEST_INVALID_CURRENCY'],
    ['a far-future timestamp', () => bad({ occurred_at: '2027-01-01T00:00:00Z' }), 'application/json', 422, 'TW_INGEST_FUTURE_TIMESTAMP'],
    ['an unparseable timestamp', () => bad({ occurred_at: 'yesterday' }), 'application/json', 422, 'TW_INGEST_INVALID_TIMESTAMP'],
    ['a JSON scalar', () => '42', 'application/json', 422, 'TW_INGEST_NOT_AN_OBJECT'],
    ['an empty batch', () => '[]', 'application/json', 400, 'TW_INGEST_EMPTY_BATCH'],
    ['an empty NDJSON body', () => '\n\n', 'application/x-ndjson', 400, 'TW_INGEST_EMPTY_BATCH'],
    ['an empty body', () => '', 'application/json', 400, 'TW_INGEST_EMPTY_BATCH'],
    [
      'an over-limit batch',
      () => JSON.stringify(Array.from({ length: 51 }, () => event())),
      'application/json',
      400,
      'TW_INGEST_BATCH_TOO_LARGE',
    ],
    [
      'an oversized body',
      () => JSON.stringify(event({ merchant_category: 'x'.repeat(70_000) })),
      'application/json',
      413,
      'TW_INGEST_BODY_TOO_LARGE',
    ],
    ['a text/plain body', () => bad({}), 'text/plain', 415, 'TW_INGEST_UNSUPPORTED_MEDIA_TYPE'],
    ['a form body', () => 'a=1', 'application/x-www-form-urlencoded', 415, 'TW_INGEST_UNSUPPORTED_MEDIA_TYPE'],
  ])('answers %s with its documented status and code, and the count holds', async (_what, body, contentType, status, code) => {
    const { app, sink } = await harness();
    const res = await post(app, body(), { 'content-type': contentType });
    expect(res.statusCode).toBe(status);
    const json = res.json();
    const codes = [json.error?.code, ...(json.results ?? []).map((r: { code?: string }) => r.code)];
    expect(codes).toContain(code);
    if (json.results) {
      expect(json.accepted + json.rejected + json.duplicates).toBe(json.submitted);
      expect(sink.valid).toHaveLength(json.accepted);
      expect(sink.dlq).toHaveLength(json.rejected);
    } else {
      // Request-level refusals write nothing.
      expect(sink.valid.length + sink.dlq.length).toBe(0);
    }
  });

  it('dead-letters a malformed body whole, with its bytes untouched', async () => {
    const { app, sink } = await harness();
    const body = Buffer.from([0x7b, 0xff, 0x00, 0x7d]);
    const res = await post(app, body);
    expect(res.statusCode).toBe(400);
    expect(sink.dlq).toHaveLength(1);
    expect(sink.dlq[0]!.value).toEqual(body);
    expect(sink.dlq[0]!.error.code).toBe('TW_INGEST_MALFORMED_JSON');
  });

  it('handles unknown fields by policy: dropped by default, rejected with UNKNOWN_FIELDS=reject', async () => {
    const dropping = await harness();
    const e = event({ extra: 1 });
    expect((await post(dropping.app, JSON.stringify(e))).statusCode).toBe(200);
    expect(Object.keys(dropping.sink.valid[0]!.event)).not.toContain('extra');
    const rejecting = await harness({ UNKNOWN_FIELDS: 'reject' });
    const res = await post(rejecting.app, JSON.stringify(event({ extra: 1, other: 2 })));
    expect(res.statusCode).toBe(422);
    expect(res.json().results[0]).toMatchObject({ code: 'TW_INGEST_UNKNOWN_FIELD' });
    expect(res.json().results[0].message).toContain('"extra"');
  });

  it('drops duplicates inside one batch and across batches, counting them', async () => {
    const { app, sink, registry } = await harness();
    const e = event();
    const first = await post(app, JSON.stringify([e, event(), e]));
    expect(first.json()).toMatchObject({ submitted: 3, accepted: 2, duplicates: 1 });
    expect(first.json().results[2]).toEqual({ index: 2, status: 'duplicate', eventId: e['event_id'] });
    const second = await post(app, JSON.stringify([e]));
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({ submitted: 1, accepted: 0, duplicates: 1 });
    expect(sink.valid).toHaveLength(2);
    expect(await registry.getSingleMetricAsString('tw_ingest_duplicates_total')).toContain('tw_ingest_duplicates_total{input="http"} 2');
  });

  it('reads NDJSON lines as JSON only: a line with the Avro magic byte is malformed, the registry is not asked', async () => {
    const h = await harness();
    const wire = Buffer.concat([Buffer.from([0, 0, 0, 0, 7]), Buffer.from(JSON.stringify(event()))]);
    const res = await post(h.app, Buffer.concat([wire, Buffer.from(`\n${JSON.stringify(event())}\n`)]), {
      'content-type': 'application/x-ndjson',
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().results.map((r: { status: string; code?: string }) => r.code ?? r.status)).toEqual([
      'TW_INGEST_MALFORMED_JSON',
      'accepted',
    ]);
    expect(h.sink.dlq[0]!.value).toEqual(wire);
    expect(h.avroCalls).toBe(0);
  });

  it('serves the OpenAPI document at /docs and records latency by route and status', async () => {
    const { app, registry } = await harness();
    const docs = await app.inject('/docs');
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('/v1/events');
    await post(app, JSON.stringify(event()));
    const text = await registry.getSingleMetricAsString('tw_ingest_http_request_duration_seconds');
    expect(text).toContain('route="/v1/events",method="POST",status="200"');
  });
});
