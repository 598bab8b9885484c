import type { FastifyInstance } from 'fastify';
import type { CompatibilityLevel } from '../compatibility.js';
import { devSchemaRegistryErrors } from '../errors.js';
import { parseConfigUpdate, queryFlag } from '../request-parsing.js';
import type { RouteContext, SubjectParams } from './route-context.js';

/**
 * `/config` routes: the global and per-subject compatibility levels. Reads answer
 * `{compatibilityLevel}` and writes `{compatibility}`, the field names Confluent uses.
 */
export function registerConfigRoutes(app: FastifyInstance, { store, defaultCompatibility }: RouteContext): void {
  const globalLevel = (): CompatibilityLevel => store.current().globalCompatibility ?? defaultCompatibility;

  app.get('/config', async () => ({ compatibilityLevel: globalLevel() }));

  app.put('/config', async (request) => {
    const level = parseConfigUpdate(request.body);
    await store.update((draft) => {
      draft.globalCompatibility = level;
    });
    return { compatibility: level };
  });

  // As in Confluent, a subject without its own level is a 40408 unless the caller asks for the fallback.
  app.get<{ Params: SubjectParams }>('/config/:subject', async (request) => {
    const { subject } = request.params;
    const own = store.current().subjectCompatibility.get(subject);
    if (own !== undefined) return { compatibilityLevel: own };
    if (queryFlag(request.query, 'defaultToGlobal')) return { compatibilityLevel: globalLevel() };
    throw devSchemaRegistryErrors.create(
      'TW_DEVSR_SUBJECT_CONFIG_NOT_FOUND',
      `Subject '${subject}' does not have subject-level compatibility configured`,
      { details: { subject } },
    );
  });

  // A level may be set before the subject has any version, so producers can be configured first.
  app.put<{ Params: SubjectParams }>('/config/:subject', async (request) => {
    const level = parseConfigUpdate(request.body);
    await store.update((draft) => {
      draft.subjectCompatibility.set(request.params.subject, level);
    });
    return { compatibility: level };
  });
}
