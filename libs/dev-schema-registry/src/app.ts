import Fastify from 'fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_COMPATIBILITY } from './compatibility.js';
import type { CompatibilityLevel } from './compatibility.js';
import { devSchemaRegistryErrors, wireErrors } from './errors.js';
import { requireBasicAuth, type RegistryBasicAuth } from './basic-auth.js';
import { registerCompatibilityRoutes } from './routes/compatibility-routes.js';
import { registerConfigRoutes } from './routes/config-routes.js';
import { registerHealthRoutes } from './routes/health-routes.js';
import { registerSchemaRoutes } from './routes/schema-routes.js';
import { registerSubjectRoutes } from './routes/subject-routes.js';
import { openStateStore } from './state-store.js';

/** Options of the dev schema registry app. */
export interface SchemaRegistryAppOptions {
  /** JSON file the state is loaded from and saved to after each change; omit to keep it in memory. */
  stateFile?: string;
  /** Level used until `PUT /config` sets a global one; Confluent's default, BACKWARD, if omitted. */
  defaultCompatibility?: CompatibilityLevel;
  /** Log requests (to stderr, keeping stdout for the entry point's one JSON line). Off by default. */
  logger?: boolean;
  /** Require HTTP basic auth with this user and password (issue 17); open if omitted. */
  basicAuth?: RegistryBasicAuth;
}

/** The media type Confluent's API speaks; its clients send it on every request. */
export const SCHEMA_REGISTRY_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

const JSON_CONTENT_TYPES = [SCHEMA_REGISTRY_CONTENT_TYPE, 'application/vnd.schemaregistry+json', 'application/json'];

/**
 * Builds the dev Confluent Schema Registry stand-in as a Fastify app, not yet listening
 * (use `app.inject` in tests, or `startSchemaRegistry`). Loads `stateFile` first; a corrupt file
 * rejects with TW_DEVSR_STATE_FILE_INVALID.
 */
export async function createSchemaRegistryApp(opts: SchemaRegistryAppOptions = {}): Promise<FastifyInstance> {
  const store = await openStateStore(opts.stateFile);
  const app = Fastify({ logger: opts.logger === true ? { level: 'info', stream: process.stderr } : false });

  // Only JSON bodies (anything else is a 415, as in Confluent). Its clients set the JSON content
  // type even on GET and DELETE without a body, which Fastify's own JSON parser refuses as an
  // empty body; here an empty body is simply no body.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_CONTENT_TYPES, { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    void parseJson(request, text, done);
  });

  app.addHook('onRequest', async (_request, reply) => {
    reply.type(SCHEMA_REGISTRY_CONTENT_TYPE);
  });
  if (opts.basicAuth) requireBasicAuth(app, opts.basicAuth, SCHEMA_REGISTRY_CONTENT_TYPE);
  app.setErrorHandler(sendError);
  app.setNotFoundHandler((_request, reply) => {
    void reply.code(404).type(SCHEMA_REGISTRY_CONTENT_TYPE).send({ error_code: 404, message: 'HTTP 404 Not Found' });
  });

  const context = { store, defaultCompatibility: opts.defaultCompatibility ?? DEFAULT_COMPATIBILITY };
  registerHealthRoutes(app);
  registerSubjectRoutes(app, context);
  registerSchemaRoutes(app, context);
  registerConfigRoutes(app, context);
  registerCompatibilityRoutes(app, context);
  return app;
}

/** Answers every error in Confluent's `{error_code, message}` shape, which its clients parse. */
function sendError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.type(SCHEMA_REGISTRY_CONTENT_TYPE);
  if (devSchemaRegistryErrors.is(err)) {
    const wire = wireErrors[err.code];
    if (wire.status >= 500) request.log.error({ err }, err.message);
    void reply.code(wire.status).send({ error_code: wire.errorCode, message: err.message });
    return;
  }
  // Fastify's own client errors: malformed JSON, unsupported media type, body too large.
  const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
  if (status >= 500) {
    request.log.error({ err }, 'unexpected error');
    void reply.code(500).send({ error_code: 500, message: 'Internal Server Error' });
    return;
  }
  void reply.code(status).send({ error_code: status, message: err.message });
}
