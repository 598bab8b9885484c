import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { TidewaterError } from '@tidewater/errors';
import type { ModelRepository, PolicyChange } from '../repository/index.js';

/** The routes `registerAdminRoutes` adds, for docs and tests. */
export const adminRoutes = [
  { method: 'GET', url: '/admin/models' },
  { method: 'GET', url: '/admin/models/:name' },
  { method: 'POST', url: '/admin/models/:name/versions/:version/load' },
  { method: 'POST', url: '/admin/models/:name/versions/:version/unload' },
  { method: 'POST', url: '/admin/models/:name/promote' },
  { method: 'PUT', url: '/admin/models/:name/policy' },
  { method: 'DELETE', url: '/admin/models/:name/policy' },
] as const;

const statusOfCode: Record<string, number> = {
  TW_MODEL_VERSION_NOT_FOUND: 404,
  TW_MODEL_POLICY_INVALID: 400,
  // A stale If-Match, or another replica's write holding the lock.
  TW_MODEL_POLICY_CONFLICT: 409,
  // The deployment does not let this pod write the repository: not the request's fault, not retriable here.
  TW_MODEL_POLICY_READONLY: 503,
  // The files are there but are not a model that fits its manifest.
  TW_MODEL_LOAD_FAILED: 422,
  TW_MODEL_SIGNATURE_MISMATCH: 422,
  TW_MANIFEST_INVALID: 422,
  TW_MANIFEST_UNREADABLE: 422,
  TW_MODEL_REPOSITORY_CLOSED: 503,
};

/** Errors become `{ code, message }`: our codes with their status, Fastify's own 4xx with theirs, anything else a logged 500. */
function sendError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error instanceof TidewaterError ? statusOfCode[error.code] : undefined;
  if (status !== undefined) {
    void reply.code(status).send({ code: error.code, message: error.message });
  } else if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    void reply.code(error.statusCode).send({ code: error.code, message: error.message });
  } else {
    request.log.error({ err: error }, 'admin request failed');
    void reply.code(500).send({ code: 'INTERNAL_ERROR', message: 'internal error' });
  }
}

const promoteBody = z.strictObject({ version: z.string().min(1) });

/** The revision an `If-Match` header names (`"rev"`, `W/"rev"` or `rev`); undefined when absent or `*` (any). */
function ifMatch(req: FastifyRequest): string | undefined {
  const value = req.headers['if-match']?.trim();
  if (value === undefined || value === '' || value === '*') return undefined;
  return value.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

/** A policy change answers this replica's model status, its ETag the revision written. */
function sendChange(reply: FastifyReply, change: PolicyChange) {
  void reply.header('etag', `"${change.revision}"`);
  return change.model;
}

interface NameParams {
  name: string;
}
interface VersionParams extends NameParams {
  version: string;
}

/**
 * Adds the model repository's admin API: list models with their versions, route, policy revision
 * and last load errors; load (or reload) and unload a version on this replica; promote a version
 * to primary; replace or reset a model's traffic policy. Policy changes rewrite policy.json in
 * the repository (issue 17): this replica applies the file before answering, every other replica
 * sharing the repository through its watcher. `If-Match: "<revision>"` makes a change a
 * compare-and-swap (409 when stale). A version that fails to load answers 422 and the versions
 * already loaded keep serving. Callers are authenticated by the server the routes are added to: the
 * service's API server (`rt.apiServer`, bearer tokens from ADMIN_TOKEN_FILE), never the ops port.
 */
export function registerAdminRoutes(app: FastifyInstance, repository: ModelRepository): void {
  const route = { errorHandler: sendError };
  const modelOr404 = (name: string, reply: FastifyReply) =>
    repository.status(name) ??
    reply.code(404).send({ code: 'TW_MODEL_VERSION_NOT_FOUND', message: `model ${name} is not in the repository` });

  app.get('/admin/models', route, async () => ({ models: repository.list() }));

  app.get<{ Params: NameParams }>('/admin/models/:name', route, async (req, reply) => {
    const status = repository.status(req.params.name);
    // The applied revision as the ETag: what a client sends back as If-Match.
    if (status) void reply.header('etag', `"${status.policyRevision}"`);
    return modelOr404(req.params.name, reply);
  });

  app.post<{ Params: VersionParams }>('/admin/models/:name/versions/:version/load', route, async (req) => {
    const { name, version } = req.params;
    const loaded = await repository.loadVersion(name, version);
    return { version: loaded, model: repository.status(name) };
  });

  app.post<{ Params: VersionParams }>('/admin/models/:name/versions/:version/unload', route, async (req) => {
    const { name, version } = req.params;
    await repository.unloadVersion(name, version);
    return repository.status(name);
  });

  app.post<{ Params: NameParams }>('/admin/models/:name/promote', route, async (req, reply) => {
    const body = promoteBody.safeParse(req.body);
    if (!body.success)
      return reply.code(400).send({ code: 'TW_MODEL_POLICY_INVALID', message: 'the body must be {"version": "<version>"}' });
    return sendChange(reply, await repository.promote(req.params.name, body.data.version, { ifMatch: ifMatch(req) }));
  });

  app.put<{ Params: NameParams }>('/admin/models/:name/policy', route, async (req, reply) => {
    // No body is not an empty policy: resetting to the default is DELETE, so a PUT that lost its
    // body on the way does not silently drop a canary.
    if (req.body === undefined || req.body === null) {
      return reply.code(400).send({ code: 'TW_MODEL_POLICY_INVALID', message: 'the body must be a traffic policy (JSON object)' });
    }
    return sendChange(reply, await repository.setPolicy(req.params.name, req.body, { ifMatch: ifMatch(req) }));
  });

  app.delete<{ Params: NameParams }>('/admin/models/:name/policy', route, async (req, reply) =>
    sendChange(reply, await repository.setPolicy(req.params.name, undefined, { ifMatch: ifMatch(req) })),
  );
}
