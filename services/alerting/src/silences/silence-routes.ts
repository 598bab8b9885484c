import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { alertingErrors } from '../errors.js';
import { systemClock, type Clock } from '../notification.js';
import type { LabelMatcher } from '../matching/label-matcher.js';
import { parseFilterMatcher, silenceMatchesFilters } from './silence-filter.js';
import {
  invalidSilence,
  problemsOf,
  silenceInputSchema,
  silenceState,
  type Silence,
  type SilenceInput,
  type SilenceProblem,
  type SilenceState,
} from './silence.js';
import type { SilenceStore } from './silence-store.js';

export interface SilenceRoutesOptions {
  readonly store: SilenceStore;
  /** The time the routes judge silences by; tests pass a fake one. */
  readonly clock?: Clock;
}

/** The routes `registerSilenceRoutes` adds (Alertmanager API v2 paths), for docs and tests. */
export const silenceRoutes = [
  { method: 'POST', url: '/api/v2/silences' },
  { method: 'GET', url: '/api/v2/silences' },
  { method: 'GET', url: '/api/v2/silence/:silenceID' },
  { method: 'DELETE', url: '/api/v2/silence/:silenceID' },
] as const;

/** A silence as the API returns it: Alertmanager's GettableSilence, plus `type` on each matcher. */
export interface GettableSilence {
  readonly id: string;
  readonly status: { readonly state: SilenceState };
  readonly updatedAt: string;
  readonly matchers: readonly { name: string; value: string; type: string; isRegex: boolean; isEqual: boolean }[];
  readonly startsAt: string;
  readonly endsAt: string;
  readonly createdBy: string;
  readonly comment: string;
}

/** A silence in the API's shape: RFC 3339 times and both matcher notations, so amtool-style clients read it. */
export function gettableSilence(s: Silence, now: number): GettableSilence {
  return {
    id: s.id,
    status: { state: silenceState(s, now) },
    updatedAt: new Date(s.updatedAt).toISOString(),
    matchers: s.matchers.map((m) => ({
      name: m.name,
      value: m.value,
      type: m.type,
      isRegex: m.type === '=~' || m.type === '!~',
      isEqual: m.type === '=' || m.type === '=~',
    })),
    startsAt: new Date(s.startsAt).toISOString(),
    endsAt: new Date(s.endsAt).toISOString(),
    createdBy: s.createdBy,
    comment: s.comment,
  };
}

const statusOfCode: Record<string, number> = {
  TW_ALERT_SILENCE_INVALID: 400,
  TW_ALERT_SILENCE_FILTER_INVALID: 400,
  TW_ALERT_SILENCE_NOT_FOUND: 404,
  TW_ALERT_SILENCE_ALREADY_EXPIRED: 409,
  TW_ALERT_SILENCE_CONFLICT: 409,
  TW_ALERT_SILENCE_STORE_UNAVAILABLE: 503,
};

/**
 * Errors become `{ code, message, problems? }`: our catalogue codes with their status, Fastify's own
 * 4xx (malformed JSON, wrong content type, body too large) with theirs, anything else a logged 500.
 */
function sendError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (alertingErrors.is(error)) {
    const status = statusOfCode[error.code] ?? 500;
    if (status >= 500) request.log.warn({ err: error }, 'silence request failed');
    const problems = error.details?.['problems'];
    void reply.code(status).send({ code: error.code, message: error.message, ...(problems === undefined ? {} : { problems }) });
    return;
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    void reply.code(error.statusCode).send({ code: error.code, message: error.message });
    return;
  }
  request.log.error({ err: error }, 'silence request failed');
  void reply.code(500).send({ code: 'INTERNAL_ERROR', message: 'internal error' });
}

/**
 * A POST body: Alertmanager's PostableSilence, whose optional `id` (non-empty) means "update that
 * silence". Problems with the id and with the silence are reported together.
 */
function parsePostable(body: unknown): { id: string | undefined; input: SilenceInput } {
  const rawId = typeof body === 'object' && body !== null && 'id' in body ? body.id : undefined;
  const problems: SilenceProblem[] = [];
  if (rawId !== undefined && rawId !== null && typeof rawId !== 'string') problems.push({ path: 'id', message: 'must be a string' });
  const result = silenceInputSchema.safeParse(body);
  if (!result.success) problems.push(...problemsOf(result.error));
  if (problems.length > 0 || !result.success) return invalidSilence(problems);
  return { id: typeof rawId === 'string' && rawId !== '' ? rawId : undefined, input: result.data };
}

function filtersOf(query: unknown): LabelMatcher[] {
  const raw = typeof query === 'object' && query !== null && 'filter' in query ? query.filter : undefined;
  const texts = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return texts.map((t) => parseFilterMatcher(String(t)));
}

function idParam(params: unknown): string {
  return typeof params === 'object' && params !== null && 'silenceID' in params ? String(params.silenceID) : '';
}

/**
 * Adds Alertmanager's silence API (v2 paths) to `app`: create/update, list with `filter`, get and
 * expire. Bodies are validated in full (400 lists every problem), unknown ids answer 404. The
 * error handler is set per route, so the rest of the app keeps its own.
 */
export function registerSilenceRoutes(app: FastifyInstance, options: SilenceRoutesOptions): void {
  const { store } = options;
  const clock = options.clock ?? systemClock;

  app.route({
    method: 'POST',
    url: '/api/v2/silences',
    errorHandler: sendError,
    handler: async (request) => {
      const now = clock.now();
      const { id, input } = parsePostable(request.body);
      const silence = id === undefined ? await store.create(input, now) : await store.update(id, input, now);
      return { silenceID: silence.id };
    },
  });

  app.route({
    method: 'GET',
    url: '/api/v2/silences',
    errorHandler: sendError,
    handler: async (request) => {
      const now = clock.now();
      const filters = filtersOf(request.query);
      const silences = await store.list(now);
      return silences.filter((s) => silenceMatchesFilters(s, filters)).map((s) => gettableSilence(s, now));
    },
  });

  app.route({
    method: 'GET',
    url: '/api/v2/silence/:silenceID',
    errorHandler: sendError,
    handler: async (request) => gettableSilence(await store.get(idParam(request.params)), clock.now()),
  });

  app.route({
    method: 'DELETE',
    url: '/api/v2/silence/:silenceID',
    errorHandler: sendError,
    handler: async (request, reply) => {
      await store.expire(idParam(request.params), clock.now());
      return reply.code(200).send();
    },
  });
}
