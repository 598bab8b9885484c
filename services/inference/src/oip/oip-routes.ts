import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isRetriable } from '@tidewater/errors';
import { createRouteMethods } from '@tidewater/ops-server';
import { idProblem } from '@tidewater/schemas';
import { modelErrors } from '../model/errors.js';
import type { LoadedModel } from '../model/index.js';
import type { ModelLease, ModelRouter } from '../model-routing.js';
import { decodeInferRequest, encodeOutputs, inferRequestSchema, LABEL_OUTPUT } from './infer-request.js';

/** Scores `n` rows for a model; the service passes its batcher so HTTP requests batch with stream traffic. */
export type ScoreFn = (model: LoadedModel, rows: Float32Array, n: number) => Promise<Float32Array>;

export interface OipRoutesOptions {
  readonly router: ModelRouter;
  readonly score: ScoreFn;
  /** Loaded versions of a model, for model metadata; default: the version the router serves. */
  readonly versions?: (modelName: string) => readonly string[];
  /** Server readiness (`/v2/health/ready`); default: always ready. */
  readonly ready?: () => boolean;
  /** Reported by the server metadata endpoint `/v2`. */
  readonly serverName?: string;
  readonly serverVersion?: string;
}

/** The routes `registerOipRoutes` adds, for docs and tests. */
export const oipRoutes = [
  { method: 'GET', url: '/v2' },
  { method: 'GET', url: '/v2/' },
  { method: 'GET', url: '/v2/health/live' },
  { method: 'GET', url: '/v2/health/ready' },
  { method: 'GET', url: '/v2/models/:name' },
  { method: 'GET', url: '/v2/models/:name/versions/:version' },
  { method: 'GET', url: '/v2/models/:name/ready' },
  { method: 'GET', url: '/v2/models/:name/versions/:version/ready' },
  { method: 'POST', url: '/v2/models/:name/infer' },
  { method: 'POST', url: '/v2/models/:name/versions/:version/infer' },
  { method: 'ALL', url: '/v2/*' },
] as const;

interface ModelParams {
  name: string;
  version?: string;
}

/**
 * Errors as the protocol wants them, `{"error": "<message>"}`: a request that does not fit the
 * model 400, Fastify's own 4xx (malformed JSON, content type, body size) with their status, a
 * retriable failure (the batcher full, or TW_MODEL_REPOSITORY_CLOSED at shutdown) 503, anything else
 * a logged 500.
 */
function sendError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (modelErrors.is(error, 'TW_MODEL_BAD_INFER_REQUEST')) {
    void reply.code(400).send({ error: error.message });
  } else if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    void reply.code(error.statusCode).send({ error: error.message });
  } else if (isRetriable(error)) {
    request.log.warn({ err: error }, 'OIP request failed; answering 503');
    void reply.code(503).send({ error: error.message });
  } else {
    request.log.error({ err: error }, 'OIP request failed');
    void reply.code(500).send({ error: error.message });
  }
}

function notFound(reply: FastifyReply, { name, version }: ModelParams): FastifyReply {
  const what = version === undefined ? `model ${name}` : `model ${name} version ${version}`;
  return reply.code(404).send({ error: `${what} is not loaded` });
}

/**
 * Adds the Open Inference Protocol v2 REST endpoints (KServe V2): server health and metadata,
 * model metadata and readiness, and inference on a given version, on the version the traffic
 * policy picks for `parameters.entity_key`, or on the primary.
 * https://kserve.github.io/website/docs/concepts/architecture/data-plane/v2-protocol
 */
export function registerOipRoutes(app: FastifyInstance, opts: OipRoutesOptions): void {
  const { router, score } = opts;
  const ready = opts.ready ?? (() => true);

  // With an entity key and no version, the model's traffic policy routes the request as it would
  // the entity's events (the canary included); otherwise the version asked for, or the primary.
  function leaseFor(params: ModelParams, entityKey: string | undefined): ModelLease | undefined {
    if (entityKey === undefined || params.version !== undefined) return router.acquireVersion(params.name, params.version);
    try {
      return router.acquire(params.name, entityKey);
    } catch (err) {
      if (modelErrors.is(err, 'TW_MODEL_NOT_LOADED')) return undefined;
      throw err;
    }
  }

  // A lease keeps the version open while the handler uses it, even if it is unloaded meanwhile.
  async function withLease<T>(
    params: ModelParams,
    reply: FastifyReply,
    use: (lease: ModelLease) => Promise<T>,
    entityKey?: string,
  ): Promise<T | FastifyReply> {
    const lease = leaseFor(params, entityKey);
    if (!lease) return notFound(reply, params);
    try {
      return await use(lease);
    } finally {
      lease.release();
    }
  }

  const routes = (path: string): string[] => [`/v2/models/:name${path}`, `/v2/models/:name/versions/:version${path}`];

  const serverMetadata = { name: opts.serverName ?? 'tidewater-inference', version: opts.serverVersion ?? '0.1.0', extensions: [] };
  // The spec's path is `/v2/`; clients also call `/v2`.
  for (const url of ['/v2', '/v2/']) app.get(url, { errorHandler: sendError }, async () => serverMetadata);
  app.get('/v2/health/live', { errorHandler: sendError }, async () => ({ live: true }));
  // The spec reads readiness from the status alone; not ready answers 503 with an error body, as
  // KServe's reference server does (and as /readyz does).
  app.get('/v2/health/ready', { errorHandler: sendError }, async (_req, reply) =>
    ready() ? { ready: true } : reply.code(503).send({ error: 'server is not ready: no model version is loaded, or it is shutting down' }),
  );

  for (const url of routes('')) {
    app.get<{ Params: ModelParams }>(url, { errorHandler: sendError }, async (req, reply) =>
      withLease(req.params, reply, async ({ serving }) => {
        const m = serving.manifest;
        return {
          name: m.name,
          versions: opts.versions?.(m.name) ?? [m.version],
          platform: 'onnxruntime_onnx',
          inputs: [{ name: m.inputs.tensor, datatype: 'FP32', shape: [-1, serving.featureNames.length] }],
          outputs: [
            { name: m.outputs.tensor, datatype: 'FP32', shape: [-1, 1] },
            { name: LABEL_OUTPUT, datatype: 'BOOL', shape: [-1, 1] },
          ],
          parameters: { version: m.version, features: serving.featureNames, threshold: m.outputs.threshold },
        };
      }),
    );
  }

  for (const url of routes('/ready')) {
    app.get<{ Params: ModelParams }>(url, { errorHandler: sendError }, async (req, reply) =>
      withLease(req.params, reply, async ({ serving }) => ({ name: serving.manifest.name, ready: true })),
    );
  }

  // Any other path or method under /v2 answers with the protocol's error body too, not Fastify's
  // default 404 shape (the more specific routes above win over the wildcard): 405 with Allow for a known
  // path asked with another method, else 404. The path is not quoted: it is the client's, up to 16 KiB.
  const known = createRouteMethods(oipRoutes.filter((r) => r.method !== 'ALL'));
  app.all(
    '/v2/*',
    {
      errorHandler: sendError,
      // Before the body is parsed: Fastify answers a body method without a content type (QUERY) 400 first.
      onRequest: async (req, reply) => {
        const allowed = known.allowed(req.url);
        if (allowed.length > 0)
          return reply
            .code(405)
            .header('allow', allowed.join(', '))
            .send({ error: `${req.method} is not allowed on this endpoint; allowed: ${allowed.join(', ')}` });
        return undefined;
      },
    },
    async (req, reply) => reply.code(404).send({ error: `no Open Inference Protocol endpoint for ${req.method} on this path` }),
  );

  for (const url of routes('/infer')) {
    app.post<{ Params: ModelParams }>(url, { errorHandler: sendError }, async (req, reply) => {
      const parsed = inferRequestSchema.safeParse(req.body);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
        return reply.code(400).send({ error: `invalid inference request: ${problems}` });
      }
      const body = parsed.data;
      const entityKey = body.parameters?.['entity_key'];
      if (entityKey !== undefined && typeof entityKey !== 'string')
        return reply.code(400).send({ error: 'parameters.entity_key must be a string' });
      // The pipeline's id contract: every card ingestion accepts can be routed, nothing else.
      const keyProblem = entityKey === undefined ? undefined : idProblem(entityKey);
      if (keyProblem) return reply.code(400).send({ error: `parameters.entity_key ${keyProblem}` });
      return withLease(
        req.params,
        reply,
        async ({ serving }) => {
          const { rows, n } = decodeInferRequest(body, serving);
          const outputs = encodeOutputs(body, serving, n === 0 ? new Float32Array(0) : await score(serving, rows, n));
          return {
            model_name: serving.manifest.name,
            model_version: serving.manifest.version,
            ...(body.id === undefined ? {} : { id: body.id }),
            outputs,
          };
        },
        entityKey,
      );
    });
  }
}
