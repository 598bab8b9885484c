import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { TidewaterError } from '@tidewater/errors';
import { requestTraceContext } from '@tidewater/ops-server';
import type { ApiKey, ApiKeyStore } from './api-keys.js';
import type { IngestionConfig } from './config.js';
import { ingestErrors, type IngestErrorCode } from './errors.js';
import type { IngestMetrics } from './ingest-metrics.js';
import type { IngestPath, ItemResult, RawInput } from './ingest-path.js';
import { splitBody } from './http-body.js';
import { decodeContentEncoding } from './http-encoding.js';
import type { RateLimiter } from './rate-limit.js';

export interface HttpApiDeps {
  readonly path: IngestPath;
  readonly keys: ApiKeyStore;
  readonly limiter: RateLimiter;
  readonly metrics: IngestMetrics;
  readonly logger: Logger;
  readonly config: Pick<
    IngestionConfig,
    | 'HTTP_BODY_LIMIT_BYTES'
    | 'HTTP_MAX_BATCH'
    | 'HTTP_MAX_IN_FLIGHT_EVENTS'
    | 'HTTP_PUBLISH_TIMEOUT_MS'
    | 'HTTP_RETRY_AFTER_S'
    | 'RATE_LIMIT_PER_SECOND'
    | 'RATE_LIMIT_BURST'
  >;
}

/** The OpenAPI document of this API, served at GET /docs. */
export const openApiFile = new URL('../openapi.yaml', import.meta.url);

const statusOf: Partial<Record<IngestErrorCode, number>> = {
  TW_INGEST_MALFORMED_JSON: 400,
  TW_INGEST_EMPTY_BATCH: 400,
  TW_INGEST_BATCH_TOO_LARGE: 400,
  TW_INGEST_API_KEY_MISSING: 401,
  TW_INGEST_API_KEY_INVALID: 401,
  TW_INGEST_API_KEY_REVOKED: 403,
  TW_INGEST_BODY_TOO_LARGE: 413,
  TW_INGEST_UNSUPPORTED_MEDIA_TYPE: 415,
  TW_INGEST_UNSUPPORTED_ENCODING: 415,
  TW_INGEST_MALFORMED_ENCODING: 400,
  TW_INGEST_RATE_LIMITED: 429,
  TW_INGEST_UNAVAILABLE: 503,
  TW_INGEST_IN_FLIGHT: 503,
};
/** Codes an HTTP request as a whole can be answered with (the OpenAPI document names each). */
export const requestLevelCodes = Object.keys(statusOf) as IngestErrorCode[];
const requestIds = new WeakMap<FastifyRequest, string>();
const apiKeys = new WeakMap<FastifyRequest, ApiKey>();
const safeRequestId = /^[\w.:-]{1,128}$/;

function requestIdOf(req: FastifyRequest): string {
  return requestIds.get(req) ?? req.id;
}

function sendError(reply: FastifyReply, req: FastifyRequest, code: IngestErrorCode, message: string, retryAfterS?: number) {
  if (retryAfterS !== undefined) void reply.header('retry-after', String(retryAfterS));
  return reply.code(statusOf[code] ?? 500).send({ requestId: requestIdOf(req), error: { code, message } });
}

function presentedKey(req: FastifyRequest): string | undefined {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  // The auth scheme is case-insensitive (RFC 9110 §11.1).
  const bearer = /^bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return bearer?.[1];
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(ingestErrors.create('TW_INGEST_UNAVAILABLE', `Kafka did not acknowledge within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * POST /v1/events and GET /docs, in their own Fastify context on the ops server: the content-type
 * parsers, hooks and error handler here do not touch /metrics, /healthz and /readyz.
 */
export async function registerHttpApi(app: FastifyInstance, deps: HttpApiDeps): Promise<void> {
  const { config, metrics } = deps;
  const openapi = readFileSync(openApiFile, 'utf8');
  let inFlight = 0;

  await app.register(async (api) => {
    api.removeAllContentTypeParsers();
    api.addContentTypeParser(
      ['application/json', 'application/x-ndjson'],
      { parseAs: 'buffer', bodyLimit: config.HTTP_BODY_LIMIT_BYTES },
      (req, body: Buffer, done) =>
        void decodeContentEncoding(req.headers['content-encoding'], body, config.HTTP_BODY_LIMIT_BYTES).then(
          (decoded) => done(null, decoded),
          (err: Error) => done(err),
        ),
    );

    api.addHook('onRequest', async (req, reply) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && safeRequestId.test(incoming) ? incoming : randomUUID();
      requestIds.set(req, id);
      void reply.header('x-request-id', id);
    });
    api.addHook('onResponse', async (req, reply) => {
      metrics.httpSeconds.observe(
        { route: req.routeOptions.url ?? 'unmatched', method: req.method, status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });

    api.setErrorHandler((err: FastifyError, req, reply) => {
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
        return sendError(reply, req, 'TW_INGEST_BODY_TOO_LARGE', `body larger than ${config.HTTP_BODY_LIMIT_BYTES} bytes`);
      if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
        return sendError(reply, req, 'TW_INGEST_UNSUPPORTED_MEDIA_TYPE', 'content-type must be application/json or application/x-ndjson');
      if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500)
        return reply.code(err.statusCode).send({ requestId: requestIdOf(req), error: { code: err.code, message: err.message } });
      if (err instanceof TidewaterError && ingestErrors.is(err) && statusOf[err.code] !== undefined)
        return sendError(reply, req, err.code, err.message, err.retriable ? config.HTTP_RETRY_AFTER_S : undefined);
      // Kafka or Redis failing: nothing of the request was acknowledged as accepted.
      deps.logger.warn({ err, requestId: requestIdOf(req) }, 'ingest request failed; answering 503');
      return sendError(reply, req, 'TW_INGEST_UNAVAILABLE', 'cannot persist events now; retry later', config.HTTP_RETRY_AFTER_S);
    });

    api.get('/docs', async (_req, reply) => reply.type('application/yaml').send(openapi));

    // The key is checked before the body is read: a caller without a valid key costs no body buffering and
    // learns nothing from 413/415 answers.
    const authenticate = async (req: FastifyRequest, reply: FastifyReply) => {
      const auth = deps.keys.check(presentedKey(req));
      if (!auth.ok) return sendError(reply, req, auth.code, ingestErrors.catalogue[auth.code].description);
      apiKeys.set(req, auth.key);
      return undefined;
    };

    const route = { bodyLimit: config.HTTP_BODY_LIMIT_BYTES, onRequest: authenticate, config: { decodesContentEncoding: true } };
    api.post('/v1/events', route, async (req, reply) => {
      const requestId = requestIdOf(req);
      const key = apiKeys.get(req);
      if (!key) throw new Error('POST /v1/events ran without its onRequest authentication');
      if (!Buffer.isBuffer(req.body) || req.body.length === 0) return sendError(reply, req, 'TW_INGEST_EMPTY_BATCH', 'the body is empty');
      const ndjson = (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-ndjson');
      const split = splitBody(req.body, ndjson);
      const items = split.kind === 'items' ? split.items : [{ bytes: split.bytes }];
      if (items.length === 0) return sendError(reply, req, 'TW_INGEST_EMPTY_BATCH', 'the batch holds no event');
      if (items.length > config.HTTP_MAX_BATCH)
        return sendError(
          reply,
          req,
          'TW_INGEST_BATCH_TOO_LARGE',
          `the batch holds ${items.length} events; at most ${config.HTTP_MAX_BATCH}`,
        );

      // Checked and reserved before the rate limit: a request refused for want of Kafka capacity spends no tokens.
      if (inFlight + items.length > config.HTTP_MAX_IN_FLIGHT_EVENTS)
        return sendError(reply, req, 'TW_INGEST_UNAVAILABLE', `${inFlight} events already in flight to Kafka`, config.HTTP_RETRY_AFTER_S);
      inFlight += items.length;
      try {
        const limits = {
          ratePerSecond: key.ratePerSecond ?? config.RATE_LIMIT_PER_SECOND,
          burst: key.burst ?? config.RATE_LIMIT_BURST,
        };
        const taken = await deps.limiter.take(key.id, items.length, limits);
        if (!taken.allowed) {
          inFlight -= items.length;
          return sendError(
            reply,
            req,
            'TW_INGEST_RATE_LIMITED',
            `rate limit of ${limits.ratePerSecond} events/s for key ${key.id} exceeded`,
            Math.max(1, Math.ceil(taken.retryAfterMs / 1000)),
          );
        }
      } catch (err) {
        inFlight -= items.length;
        throw err;
      }

      // The ops server's SERVER span of this request: each event's trace continues under it.
      const context = requestTraceContext(req);
      // The dedupe owner must be unique to this request: the request id may come from the client, and a
      // client retrying with the same x-request-id would otherwise take over the pending claims of its
      // timed-out first attempt and publish a second copy.
      const attempt = randomUUID();
      const inputs: RawInput[] = items.map((item, index) => ({
        value: item.bytes,
        source: { kind: 'http', requestId: items.length === 1 ? requestId : `${requestId}#${index}` },
        owner: `http:${attempt}:${index}`,
        context,
        ...('decoded' in item ? { decoded: item.decoded } : {}),
      }));
      const work = deps.path.ingest(inputs, 'http');
      // The bound counts work until Kafka settles it, even after the client got its 503.
      const settle = () => void (inFlight -= items.length);
      work.then(settle, settle);
      const results: ItemResult[] = await withTimeout(work, config.HTTP_PUBLISH_TIMEOUT_MS);
      const counts = { submitted: items.length, accepted: 0, rejected: 0, duplicates: 0 };
      for (const r of results) {
        if (r.status === 'accepted') counts.accepted++;
        else if (r.status === 'duplicate') counts.duplicates++;
        else counts.rejected++;
      }
      const status = split.kind === 'malformed' ? 400 : counts.rejected > 0 ? 422 : 200;
      deps.logger.debug({ requestId, ...counts, status }, 'ingest request done');
      return reply.code(status).send({
        requestId,
        ...counts,
        ...(split.kind === 'malformed' ? { error: { code: 'TW_INGEST_MALFORMED_JSON', message: 'the body is not valid UTF-8 JSON' } } : {}),
        results: results.map((r, index) => ({ index, ...r })),
      });
    });
  });
}
