import type { FastifyInstance } from 'fastify';
import { schemaByGuid, schemaById, usagesOfSchema } from '../registry-state.js';
import type { StoredSchema } from '../registry-state.js';
import { parseSchemaId, queryFlag } from '../request-parsing.js';
import type { RouteContext } from './route-context.js';

interface IdParams {
  id: string;
}

/** What `GET /schemas/ids/{id}` answers; `schemaType` is left out for AVRO, as Confluent does. */
interface SchemaByIdResponse {
  schema: string;
  guid: string;
}

function schemaResponse(stored: StoredSchema): SchemaByIdResponse {
  return { schema: stored.schema, guid: stored.guid };
}

/**
 * `/schemas` routes: schemas by global id or guid, where they are used, and the supported types.
 * The `subject` and `format` query parameters clients send are accepted and ignored: ids are
 * global here (no contexts), and Avro has a single format.
 */
export function registerSchemaRoutes(app: FastifyInstance, { store }: RouteContext): void {
  app.get('/schemas/types', async () => ['AVRO']);

  app.get<{ Params: IdParams }>('/schemas/ids/:id', async (request) =>
    schemaResponse(schemaById(store.current(), parseSchemaId(request.params.id))),
  );

  app.get<{ Params: IdParams }>('/schemas/ids/:id/schema', async (request, reply) =>
    reply.send(schemaById(store.current(), parseSchemaId(request.params.id)).schema),
  );

  app.get<{ Params: IdParams }>('/schemas/ids/:id/subjects', async (request) => {
    const state = store.current();
    const id = schemaById(state, parseSchemaId(request.params.id)).id;
    return [...new Set(usagesOfSchema(state, id, queryFlag(request.query, 'deleted')).map((u) => u.subject))];
  });

  app.get<{ Params: IdParams }>('/schemas/ids/:id/versions', async (request) => {
    const state = store.current();
    const id = schemaById(state, parseSchemaId(request.params.id)).id;
    return usagesOfSchema(state, id, queryFlag(request.query, 'deleted'));
  });

  app.get<{ Params: { guid: string } }>('/schemas/guids/:guid', async (request) =>
    schemaResponse(schemaByGuid(store.current(), request.params.guid)),
  );
}
