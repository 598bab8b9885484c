import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { registerHttpMetrics } from './http-metrics.js';
import { registerHttpSpans } from './http-spans.js';
import { createRouteMethods } from './route-methods.js';

/**
 * Longest path parameter, in characters as sent (percent-encoded). The id contract: ingestion accepts ids of
 * up to 128 UTF-16 code units, which percent-encode to at most 128 x 9 = 1,152 characters (three UTF-8
 * bytes each); every API that takes an id in its path must serve the longest one. Fastify's default is 100.
 */
export const maxParamLength = 2048;

// What Fastify answers before any route runs (a bad percent-encoding, an over-long parameter) quotes the
// whole path by default: up to the 16 KiB header limit of client-chosen text in every answer and log line.
function frameworkError(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH')
    void reply.code(414).send({
      statusCode: 414,
      code: err.code,
      error: 'URI Too Long',
      message: `a path parameter is longer than ${maxParamLength} characters`,
    });
  else if (err.code === 'FST_ERR_BAD_URL')
    void reply
      .code(400)
      .send({ statusCode: 400, code: err.code, error: 'Bad Request', message: 'the path is not valid percent-encoded UTF-8' });
  else void reply.send(err);
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route decodes compressed bodies itself (ingestion's events API); others refuse them with 415. */
    readonly decodesContentEncoding?: boolean;
  }
}

// A compressed body read as JSON answers "not valid JSON" (or was dead-lettered as malformed before issue 20):
// every route that does not decode Content-Encoding itself refuses one with 415 (RFC 9110 §15.5.16).
function refuseEncodedBody(req: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
  const encoding = req.headers['content-encoding'];
  if (encoding === undefined || /^\s*(identity\s*)?$/i.test(encoding) || req.routeOptions.config.decodesContentEncoding) return undefined;
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (!hasBody) return undefined;
  return reply.code(415).header('accept-encoding', 'identity').send({
    statusCode: 415,
    error: 'Unsupported Media Type',
    message: 'this endpoint takes uncompressed bodies only (no Content-Encoding)',
  });
}

export interface HttpServerOptions {
  readonly registry: Registry;
  readonly logger: Logger;
  /** Largest accepted request body in bytes (Fastify's bodyLimit). */
  readonly bodyLimit?: number;
  /**
   * Hooks that run before anything else on every request, unknown paths included (the API server's
   * bearer check): a caller without a token learns nothing from 404, 405 or 415 answers.
   */
  readonly firstOnRequest?: (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
}

/**
 * A Fastify instance with what every Tidewater HTTP server shares: the id-length and bad-URL answers,
 * 405 with Allow for a known path asked with another method, 415 for compressed bodies, request
 * metrics and spans. The ops server and the API server are both built on it.
 */
export function createHttpServer(opts: HttpServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Per-request lines would drown the service's own logs; /metrics has the HTTP figures.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? 1_048_576,
    requestIdHeader: 'x-request-id',
    routerOptions: { maxParamLength },
    frameworkErrors: frameworkError,
  });
  if (opts.firstOnRequest) app.addHook('onRequest', opts.firstOnRequest);
  // Every route of every plugin context, so that a known path asked with another method answers 405.
  const routes = createRouteMethods();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.add({ method, url: route.url });
  });
  const methodNotAllowed = (req: FastifyRequest, reply: FastifyReply): FastifyReply | undefined => {
    const allowed = routes.allowed(req.url);
    if (allowed.length === 0) return undefined;
    return reply
      .code(405)
      .header('allow', allowed.join(', '))
      .send({ statusCode: 405, error: 'Method Not Allowed', message: `${req.method} is not allowed here; allowed: ${allowed.join(', ')}` });
  };
  // Checked before the body is parsed: Fastify answers a body method without a content type (QUERY) 400
  // before the not-found handler would run.
  app.addHook('onRequest', async (req, reply) => (req.is404 ? methodNotAllowed(req, reply) : refuseEncodedBody(req, reply)));
  app.setNotFoundHandler(
    (req, reply) =>
      methodNotAllowed(req, reply) ??
      // Fastify's default quotes the whole URL back; the method is enough to read the answer.
      reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no route for ${req.method} on this path` }),
  );
  registerHttpMetrics(app, opts.registry);
  registerHttpSpans(app);
  return app;
}
