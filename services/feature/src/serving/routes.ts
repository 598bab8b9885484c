import type { FastifyInstance } from 'fastify';
import type { FeatureMetrics } from '../metrics.js';
import type { OnlineStore } from '../state/online-store.js';

/** Most entities one batchGet may ask for: keeps one request's Redis pipeline and response bounded. */
export const maxBatchEntities = 1000;

const batchBody = {
  type: 'object',
  required: ['entities'],
  additionalProperties: false,
  properties: {
    entities: { type: 'array', minItems: 1, maxItems: maxBatchEntities, items: { type: 'string', minLength: 1, maxLength: 256 } },
  },
} as const;

/**
 * The online store's HTTP API on the service's ops server:
 * `GET /v1/features/{entity}` and `POST /v1/features:batchGet` `{ "entities": [...] }`.
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

  http.get<{ Params: { entity: string } }>('/v1/features/:entity', async (req, reply) => {
    const [vector] = await timedRead([req.params.entity]);
    if (!vector) return reply.code(404).send({ error: 'not_found', entity_key: req.params.entity });
    return vector;
  });

  // '::' is Fastify's escape for a literal colon (Google-style custom method).
  http.post<{ Body: { entities: string[] } }>('/v1/features::batchGet', { schema: { body: batchBody } }, async (req) => {
    const vectors = await timedRead(req.body.entities);
    return { vectors: req.body.entities.map((entity_key, i) => ({ entity_key, found: vectors[i] !== null, vector: vectors[i] })) };
  });
}
