import { z } from 'zod';
import { alertingErrors } from '../errors.js';
import {
  compileMatcher,
  labelMatcherSchema,
  matchTypes,
  type LabelMatcher,
  type Labels,
  type MatchType,
} from '../matching/label-matcher.js';

/**
 * Size limits of a silence. Alertmanager bounds silences too (`--silences.max-silence-size-bytes`);
 * these keep one silence well under a kilobyte-ish Redis value and a readable API answer.
 */
export const silenceLimits = {
  maxMatchers: 64,
  maxNameLength: 256,
  maxValueLength: 1024,
  maxCreatedByLength: 256,
  maxCommentLength: 4096,
} as const;

/** A silence matcher, normalised: the `type` is always set, whichever way the client wrote it. */
export interface SilenceMatcher {
  readonly name: string;
  readonly value: string;
  readonly type: MatchType;
}

/** What a client submits: the silence without its id and bookkeeping. Times are epoch ms. */
export interface SilenceInput {
  readonly matchers: readonly SilenceMatcher[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly createdBy: string;
  readonly comment: string;
}

/** A stored silence. */
export interface Silence extends SilenceInput {
  readonly id: string;
  /** When the silence was last written (created, updated or expired), epoch ms. */
  readonly updatedAt: number;
}

/** Alertmanager's silence states, derived from the time alone. */
export type SilenceState = 'pending' | 'active' | 'expired';
export const silenceStates = ['pending', 'active', 'expired'] as const satisfies readonly SilenceState[];

/** The matcher type Alertmanager's `isRegex`/`isEqual` flags stand for. */
function typeFromFlags(isRegex: boolean, isEqual: boolean): MatchType {
  if (isRegex) return isEqual ? '=~' : '!~';
  return isEqual ? '=' : '!=';
}

/**
 * A matcher as clients write it: our `type`, or Alertmanager API v2's `isRegex`/`isEqual` flags
 * (`isEqual` defaults to true, as in Alertmanager). Both may be given if they agree.
 */
export const silenceMatcherSchema = z
  .object({
    name: labelMatcherSchema.shape.name.max(silenceLimits.maxNameLength),
    value: z.string().max(silenceLimits.maxValueLength),
    type: z.enum(matchTypes).optional(),
    isRegex: z.boolean().optional(),
    isEqual: z.boolean().optional(),
  })
  .transform((m, ctx): SilenceMatcher => {
    const hasFlags = m.isRegex !== undefined || m.isEqual !== undefined;
    const fromFlags = typeFromFlags(m.isRegex ?? false, m.isEqual ?? true);
    if (m.type !== undefined && hasFlags && m.type !== fromFlags) {
      ctx.addIssue({ code: 'custom', path: ['type'], message: `type "${m.type}" contradicts isRegex/isEqual, which say "${fromFlags}"` });
    }
    const matcher: SilenceMatcher = { name: m.name, value: m.value, type: m.type ?? fromFlags };
    try {
      compileMatcher(matcher);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: err instanceof Error ? err.message : String(err) });
    }
    return matcher;
  });

const timestampSchema = z
  .union([
    z.number().int().nonnegative(),
    z.iso.datetime({ offset: true, error: 'must be an RFC 3339 date-time such as 2025-01-01T12:00:00Z' }),
  ])
  .transform((v) => (typeof v === 'number' ? v : Date.parse(v)));

const requiredText = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);

/**
 * A silence as submitted. Timestamps are RFC 3339 strings (as Alertmanager's API takes them) or
 * epoch milliseconds. Enforces Alertmanager's rules: at least one matcher, not every matcher
 * matching the empty string (such a silence would mute every alert), endsAt after startsAt.
 */
export const silenceInputSchema = z
  .object({
    matchers: z.array(silenceMatcherSchema).min(1, 'at least one matcher is required').max(silenceLimits.maxMatchers),
    startsAt: timestampSchema,
    endsAt: timestampSchema,
    createdBy: requiredText(silenceLimits.maxCreatedByLength),
    comment: requiredText(silenceLimits.maxCommentLength),
  })
  .superRefine((s, ctx) => {
    if (s.endsAt <= s.startsAt) ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'must be after startsAt' });
    const compiled = tryCompile(s.matchers);
    if (compiled && compiled.length > 0 && compiled.every((m) => m.matches({}))) {
      ctx.addIssue({
        code: 'custom',
        path: ['matchers'],
        message: 'at least one matcher must not match the empty string (this silence would mute every alert)',
      });
    }
  });

function tryCompile(matchers: readonly SilenceMatcher[]): LabelMatcher[] | undefined {
  try {
    return matchers.map((m) => compileMatcher(m));
  } catch {
    return undefined; // already reported per matcher
  }
}

/** One validation problem, as the API reports it. */
export interface SilenceProblem {
  readonly path: string;
  readonly message: string;
}

/** Turns zod issues into `{ path, message }` problems (path `matchers.0.value`, `(root)` for the whole). */
export function problemsOf(error: z.ZodError): SilenceProblem[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}

/** Throws TW_ALERT_SILENCE_INVALID listing every problem (message and `details.problems`). */
export function invalidSilence(problems: readonly SilenceProblem[]): never {
  const lines = problems.map((p) => `  - ${p.path}: ${p.message}`);
  throw alertingErrors.create('TW_ALERT_SILENCE_INVALID', `invalid silence (${problems.length} problem(s)):\n${lines.join('\n')}`, {
    details: { problems },
  });
}

/** Validates a submitted silence; throws TW_ALERT_SILENCE_INVALID listing every problem. */
export function parseSilenceInput(input: unknown): SilenceInput {
  const result = silenceInputSchema.safeParse(input);
  if (!result.success) invalidSilence(problemsOf(result.error));
  return result.data;
}

/** `pending` before startsAt, `expired` from endsAt on, `active` in between (Alertmanager's rule). */
export function silenceState(silence: Pick<Silence, 'startsAt' | 'endsAt'>, now: number): SilenceState {
  if (now >= silence.endsAt) return 'expired';
  if (now < silence.startsAt) return 'pending';
  return 'active';
}

// Silences are immutable values, so their compiled matchers can be cached on the object: the hot
// path (every alert against every active silence) then never recompiles a regex.
const compiled = new WeakMap<Silence, readonly LabelMatcher[]>();

function matchersOf(silence: Silence): readonly LabelMatcher[] {
  let ms = compiled.get(silence);
  if (!ms) {
    ms = silence.matchers.map((m) => compileMatcher(m));
    compiled.set(silence, ms);
  }
  return ms;
}

/** The ids of the silences active at `now` whose matchers all match `labels`. */
export function silencedBy(labels: Labels, silences: readonly Silence[], now: number): string[] {
  const ids: string[] = [];
  for (const s of silences) {
    if (silenceState(s, now) === 'active' && matchersOf(s).every((m) => m.matches(labels))) ids.push(s.id);
  }
  return ids;
}

/** True when two matcher lists are the same set (order does not matter). */
export function sameMatchers(a: readonly SilenceMatcher[], b: readonly SilenceMatcher[]): boolean {
  const key = (ms: readonly SilenceMatcher[]) =>
    ms
      .map((m) => JSON.stringify([m.name, m.type, m.value]))
      .sort()
      .join('\n');
  return key(a) === key(b);
}

const stateOrder: Record<SilenceState, number> = { active: 0, pending: 1, expired: 2 };

/**
 * Alertmanager's listing order: active silences by endsAt ascending, then pending ones by startsAt
 * ascending, then expired ones by endsAt descending (most recently expired first).
 */
export function sortSilencesForDisplay<S extends Silence>(silences: readonly S[], now: number): S[] {
  return [...silences].sort((a, b) => {
    const sa = silenceState(a, now);
    const sb = silenceState(b, now);
    if (sa !== sb) return stateOrder[sa] - stateOrder[sb];
    if (sa === 'active') return a.endsAt - b.endsAt;
    if (sa === 'pending') return a.startsAt - b.startsAt;
    return b.endsAt - a.endsAt;
  });
}
