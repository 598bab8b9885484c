import type { FastifyInstance } from 'fastify';
import { deleteSubject, deleteSubjectVersion } from '../deletion.js';
import { describeVersion, lookupSchema, registerSchema } from '../registration.js';
import { findSubjectVersion, subjectNames, subjectNotFound, subjectVersions } from '../registry-state.js';
import { pageOf, parseListOptions, parseSchemaSubmission, parseVersionId, queryFlag, queryString } from '../request-parsing.js';
import type { RouteContext, SubjectParams, SubjectVersionParams } from './route-context.js';

/**
 * `/subjects` routes: register (`POST .../versions`), look up (`POST /subjects/{s}`), list,
 * read versions, and soft/permanent deletes. `normalize` is accepted and has no effect: schemas
 * are always compared in one canonical form (see `parseAvroSchema`).
 */
export function registerSubjectRoutes(app: FastifyInstance, { store, defaultCompatibility }: RouteContext): void {
  // Lists page with offset/limit and may ask for deleted entries only, as in Confluent's API.
  app.get('/subjects', async (request) => {
    const list = parseListOptions(request.query);
    const state = store.current();
    const live = subjectNames(state, false);
    const names = list.deletedOnly
      ? subjectNames(state, true).filter((name) => !live.includes(name))
      : list.deleted
        ? subjectNames(state, true)
        : live;
    const prefix = queryString(request.query, 'subjectPrefix');
    return pageOf(prefix === undefined ? names : names.filter((name) => name.startsWith(prefix)), list);
  });

  app.get<{ Params: SubjectParams }>('/subjects/:subject/versions', async (request) => {
    const { subject } = request.params;
    const list = parseListOptions(request.query);
    const all = subjectVersions(store.current(), subject, true);
    const versions = list.deletedOnly ? all.filter((v) => v.deleted) : list.deleted ? all : all.filter((v) => !v.deleted);
    if (all.length === 0 || (versions.length === 0 && !list.deletedOnly)) throw subjectNotFound(subject);
    return pageOf(versions, list).map((v) => v.version);
  });

  app.post<{ Params: SubjectParams }>('/subjects/:subject/versions', async (request) => {
    const { subject } = request.params;
    const submission = parseSchemaSubmission(request.body);
    return store.update((draft) => registerSchema(draft, subject, submission, defaultCompatibility));
  });

  app.get<{ Params: SubjectVersionParams }>('/subjects/:subject/versions/:version', async (request) => {
    const { subject, version } = request.params;
    const versionId = parseVersionId(version);
    const state = store.current();
    return describeVersion(state, subject, findSubjectVersion(state, subject, versionId, queryFlag(request.query, 'deleted')));
  });

  app.get<{ Params: SubjectVersionParams }>('/subjects/:subject/versions/:version/schema', async (request, reply) => {
    const { subject, version } = request.params;
    const versionId = parseVersionId(version);
    const state = store.current();
    // The schema text itself is the body, as Confluent sends it.
    return reply.send(
      describeVersion(state, subject, findSubjectVersion(state, subject, versionId, queryFlag(request.query, 'deleted'))).schema,
    );
  });

  app.post<{ Params: SubjectParams }>('/subjects/:subject', async (request) => {
    const submission = parseSchemaSubmission(request.body);
    return lookupSchema(store.current(), request.params.subject, submission, queryFlag(request.query, 'deleted'));
  });

  app.delete<{ Params: SubjectParams }>('/subjects/:subject', async (request) => {
    const permanent = queryFlag(request.query, 'permanent');
    return store.update((draft) => deleteSubject(draft, request.params.subject, permanent));
  });

  app.delete<{ Params: SubjectVersionParams }>('/subjects/:subject/versions/:version', async (request) => {
    const { subject, version } = request.params;
    const versionId = parseVersionId(version);
    const permanent = queryFlag(request.query, 'permanent');
    return store.update((draft) => deleteSubjectVersion(draft, subject, versionId, permanent));
  });
}
