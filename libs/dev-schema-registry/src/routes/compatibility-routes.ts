import type { FastifyInstance } from 'fastify';
import { compatibilityProblems } from '../registration.js';
import type { VersionId } from '../registry-state.js';
import { parseSchemaSubmission, parseVersionId, queryFlag } from '../request-parsing.js';
import type { RouteContext, SubjectParams, SubjectVersionParams } from './route-context.js';

interface CompatibilityResponse {
  is_compatible: boolean;
  messages?: string[];
}

/**
 * `/compatibility` routes: would this schema be accepted? Against one version
 * (`.../versions/{v}`, "latest" included), or against the versions the subject's level names
 * (`.../versions`). `verbose=true` adds the reasons.
 */
export function registerCompatibilityRoutes(app: FastifyInstance, { store, defaultCompatibility }: RouteContext): void {
  const answer = (subject: string, body: unknown, versionId: VersionId | 'all', verbose: boolean): CompatibilityResponse => {
    const submission = parseSchemaSubmission(body);
    const problems = compatibilityProblems(store.current(), subject, submission, versionId, defaultCompatibility);
    return verbose ? { is_compatible: problems.length === 0, messages: problems } : { is_compatible: problems.length === 0 };
  };

  app.post<{ Params: SubjectVersionParams }>('/compatibility/subjects/:subject/versions/:version', async (request) => {
    const versionId = parseVersionId(request.params.version);
    return answer(request.params.subject, request.body, versionId, queryFlag(request.query, 'verbose'));
  });

  app.post<{ Params: SubjectParams }>('/compatibility/subjects/:subject/versions', async (request) =>
    answer(request.params.subject, request.body, 'all', queryFlag(request.query, 'verbose')),
  );
}
