import type { FastifyInstance, FastifyReply } from 'fastify';
import { idProblem } from '@tidewater/schemas';
import type { featureErrors } from '../errors.js';
import type { FeatureMetrics } from '../metrics.js';
import type { OnlineStore } from '../state/online-store.js';

/** Most entities one batchGet may ask for: keeps one request's Redis pipeline and response bounded. */
export const maxBatchEntities = 1000;

interface Problem {
  readonly path: string;
  readonly message: string;
}

function badRequest(reply: FastifyReply, message: string, problems: readonly Problem[] = []): FastifyReply {
  return reply.code(400).send({
    error: 'invalid_request',
    code: 'TW_FEATURE_INVALID_REQUEST' satisfies keyof typeof featureErrors.catalogue,
    message,
    ...(problems.length > 0 ? { problems } : {}),
  });
}

/**
 * Checks a batchGet body by hand rather than with a Fastify schema: Ajv's type coercion turned `[1, 2, null]`
 * into `["1", "2", ""]`, answering for ids nobody asked for. Every bad element is named by its index; no
 * value is quoted (an over-long id is the client's text, up to the body limit).
 */
function batchProblems(body: unknown): { entities: string[] } | Problem[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return [{ path: 'body', message: 'must be a JSON object' }];
  const problems: Problem[] = Object.keys(body)
    .filter((k) => k !== 'entities')
    .map((k) => ({ path: k.length <= 64 ? k : `${k.slice(0, 64)}…`, message: 'unknown field' }));
  const entities: unknown = (body as Record<string, unknown>)['entities'];
  if (!Array.isArray(entities)) problems.push({ path: 'entities', message: 'must be an array of entity keys' });
  else if (entities.length === 0 || entities.length > maxBatchEntities)
    problems.push({ path: 'entities', message: `must hold 1 to ${maxBatchEntities} entity keys, got ${entities.length}` });
  else
    entities.forEach((e: unknown, i) => {
      const problem = idProblem(e);
      if (problem) problems.push({ path: `entities[${i}]`, message: problem });
    });
  return problems.length > 0 || !Array.isArray(entities) ? problems : { entities: entities as string[] };
}

/**
 * The online store's HTTP API on the service's ops server:
 * `GET /v1/features/{entity}` and `POST /v1/features:batchGet` `{ "entities": [...] }`. Entity keys follow
 * the pipeline's id contract (`idProblem`): every key ingestion accepts can be asked for.
 */
export function registerServingRoutes(http: FastifyInstance, store: OnlineStore, metrics: FeatureMetrics): void {
  const timedRead = async (entities: readonly string[]) => {
    const end = metrics.redisSeconds.startTimer({ op: 'online_read' });
    try {
      return await store.read(entities);
    } finally {
      end();
    }
  };

  void http.register(async (api) => {
    // Plain JSON.parse: Fastify's parser refuses a body with a `__proto__` key as "not valid JSON", which
    // misleads. Nothing here merges the parsed object into another, so such a key is only an unknown field.
    api.removeContentTypeParser('application/json');
    api.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, text: string, done) => {
      try {
        done(null, JSON.parse(text));
      } catch (err) {
        const at = err instanceof SyntaxError ? / at position (\d+)/.exec(err.message) : null;
        done(Object.assign(new Error(`the body is not valid JSON${at ? ` (at character ${at[1]})` : ''}`), { statusCode: 400 }));
      }
    });

    api.get<{ Params: { entity: string } }>('/v1/features/:entity', async (req, reply) => {
      const entity = req.params.entity;
      const problem = idProblem(entity);
      if (problem) return badRequest(reply, `entity key ${problem}`);
      const [vector] = await timedRead([entity]);
      if (!vector) return reply.code(404).send({ error: 'not_found', entity_key: entity });
      return vector;
    });

    // '::' is Fastify's escape for a literal colon (Google-style custom method).
    api.post('/v1/features::batchGet', async (req, reply) => {
      const checked = batchProblems(req.body);
      if (Array.isArray(checked)) return badRequest(reply, `invalid batchGet request: ${checked.length} problem(s)`, checked);
      const vectors = await timedRead(checked.entities);
      return { vectors: checked.entities.map((entity_key, i) => ({ entity_key, found: vectors[i] !== null, vector: vectors[i] })) };
    });
  });
}
