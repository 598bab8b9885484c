import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { featureSetErrors } from './errors.js';
import { compileExpression, type CompiledExpression } from './expression.js';

/** PaymentEvent fields a feature set may read, by type. */
export const numericEventFields = ['amount', 'occurred_at', 'ingested_at'] as const;
export const stringEventFields = ['event_id', 'card_id', 'currency', 'merchant_id', 'merchant_category', 'country', 'channel'] as const;
export type NumericEventField = (typeof numericEventFields)[number];
export type StringEventField = (typeof stringEventFields)[number];
const eventFields = [...numericEventFields, ...stringEventFields] as const;
export type EventField = (typeof eventFields)[number];

/** Durations like 30s, 10m, 1h, 7d. */
const duration = z.string().regex(/^\d+(ms|s|m|h|d)$/, 'a duration such as 10m, 1h or 7d');
const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export function durationMs(text: string): number {
  const [, n, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(text)!;
  return Number(n) * unitMs[unit as keyof typeof unitMs];
}

const featureName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower snake case');
const common = { name: featureName, output: z.boolean().default(true) };
const aggregateFns = ['count', 'sum', 'mean', 'min', 'max', 'stddev', 'distinct_count'] as const;
export type AggregateFn = (typeof aggregateFns)[number];

const featureSchema = z.discriminatedUnion('kind', [
  z.object({ ...common, kind: z.literal('field'), field: z.enum(eventFields) }).strict(),
  z.object({ ...common, kind: z.literal('expression'), expr: z.string().min(1) }).strict(),
  z
    .object({ ...common, kind: z.literal('aggregate'), fn: z.enum(aggregateFns), of: z.enum(eventFields).optional(), window: z.string() })
    .strict(),
  z.object({ ...common, kind: z.literal('seconds_since_last_event') }).strict(),
]);

export const featureSetFileSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/),
    version: z.union([z.number().int().positive(), z.string().min(1)]),
    description: z.string().optional(),
    entity: z.enum(stringEventFields),
    allowed_lateness: duration,
    windows: z.record(z.string().regex(/^[a-z0-9]+$/), z.object({ bucket: duration }).strict()),
    features: z.array(featureSchema).min(1),
  })
  .strict();
export type FeatureSetFile = z.infer<typeof featureSetFileSchema>;

export interface WindowSpec {
  readonly name: string;
  readonly ms: number;
  readonly bucketMs: number;
  /** Buckets read for a window: ms / bucketMs. */
  readonly buckets: number;
  /** Slots of the ring kept in Redis: the window's buckets plus those that late-but-allowed events may still touch. */
  readonly ring: number;
  /** Numeric event fields aggregated over this window (count needs none). */
  readonly fields: readonly NumericEventField[];
  /** String event fields whose distinct values are counted (one HyperLogLog per bucket). */
  readonly distinct: readonly StringEventField[];
}

export type FeatureSpec =
  | { readonly name: string; readonly output: boolean; readonly kind: 'field'; readonly field: EventField }
  | { readonly name: string; readonly output: boolean; readonly kind: 'expression'; readonly expression: CompiledExpression }
  | {
      readonly name: string;
      readonly output: boolean;
      readonly kind: 'aggregate';
      readonly fn: AggregateFn;
      readonly of: EventField | undefined;
      readonly window: string;
    }
  | { readonly name: string; readonly output: boolean; readonly kind: 'seconds_since_last_event' };

/** A validated feature set, ready for the state store and the evaluator. */
export interface FeatureSet {
  readonly name: string;
  /** `<version>-<first 12 hex of sha256 of the definition>`: any edit changes it. */
  readonly version: string;
  readonly entity: StringEventField;
  readonly allowedLatenessMs: number;
  readonly windows: readonly WindowSpec[];
  /** In definition order, which is dependency order (a feature may only read earlier ones). */
  readonly features: readonly FeatureSpec[];
  /** The features written on vectors. */
  readonly outputNames: readonly string[];
  /** The longest window plus the allowed lateness: how long state must be kept in event time. */
  readonly retentionMs: number;
}

const invalid = (problems: readonly string[]) =>
  featureSetErrors.create('TW_FEATURE_INVALID_DEFINITION', `invalid feature set:\n- ${problems.join('\n- ')}`, { details: { problems } });

/** Validates a parsed feature-set document and derives its version. */
export function defineFeatureSet(document: unknown): FeatureSet {
  const parsed = featureSetFileSchema.safeParse(document);
  if (!parsed.success) throw invalid(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  const def = parsed.data;
  const problems: string[] = [];
  const allowedLatenessMs = durationMs(def.allowed_lateness);

  const windowMs = new Map<string, { ms: number; bucketMs: number }>();
  for (const [name, w] of Object.entries(def.windows)) {
    if (!/^\d+(ms|s|m|h|d)$/.test(name)) {
      problems.push(`windows.${name}: the window name is its length, such as 10m or 24h`);
      continue;
    }
    const ms = durationMs(name);
    const bucketMs = durationMs(w.bucket);
    if (bucketMs <= 0 || ms % bucketMs !== 0) problems.push(`windows.${name}: bucket ${w.bucket} must divide the window`);
    else if (ms / bucketMs > 1440) problems.push(`windows.${name}: at most 1440 buckets per window`);
    windowMs.set(name, { ms, bucketMs });
  }

  const fields = new Map<string, Set<NumericEventField>>();
  const distinct = new Map<string, Set<StringEventField>>();
  const defined = new Set<string>();
  const features: FeatureSpec[] = [];
  for (const [i, f] of def.features.entries()) {
    const at = `features.${i} (${f.name})`;
    if (defined.has(f.name)) problems.push(`${at}: duplicate name`);
    if (f.kind === 'field') features.push(f);
    else if (f.kind === 'seconds_since_last_event') features.push(f);
    else if (f.kind === 'expression') {
      try {
        const expression = compileExpression(f.expr);
        for (const r of expression.references)
          if (!defined.has(r)) problems.push(`${at}: reads ${r}, which is not a feature defined above it`);
        features.push({ name: f.name, output: f.output, kind: 'expression', expression });
      } catch (err) {
        problems.push(`${at}: ${(err as Error).message}`);
      }
    } else {
      if (!windowMs.has(f.window)) problems.push(`${at}: unknown window ${f.window}`);
      if (f.fn === 'count') {
        if (f.of !== undefined) problems.push(`${at}: count takes no "of"`);
      } else if (f.fn === 'distinct_count') {
        if (!(stringEventFields as readonly string[]).includes(f.of ?? ''))
          problems.push(`${at}: distinct_count needs "of" naming a string field`);
        else (distinct.get(f.window) ?? distinct.set(f.window, new Set()).get(f.window)!).add(f.of as StringEventField);
      } else if (!(numericEventFields as readonly string[]).includes(f.of ?? '')) {
        problems.push(`${at}: ${f.fn} needs "of" naming a numeric field`);
      } else (fields.get(f.window) ?? fields.set(f.window, new Set()).get(f.window)!).add(f.of as NumericEventField);
      features.push({ name: f.name, output: f.output, kind: 'aggregate', fn: f.fn, of: f.of, window: f.window });
    }
    defined.add(f.name);
  }
  if (problems.length > 0) throw invalid(problems);

  const usedWindows = new Set(features.flatMap((f) => (f.kind === 'aggregate' ? [f.window] : [])));
  const windows: WindowSpec[] = [...windowMs]
    .filter(([name]) => usedWindows.has(name))
    .map(([name, { ms, bucketMs }]) => ({
      name,
      ms,
      bucketMs,
      buckets: ms / bucketMs,
      // See state/window-state.ts: with this many slots a slot never holds a bucket that a
      // non-late event or a read still needs when another bucket claims it.
      ring: ms / bucketMs + Math.ceil(allowedLatenessMs / bucketMs) + 1,
      fields: [...(fields.get(name) ?? [])].sort(),
      distinct: [...(distinct.get(name) ?? [])].sort(),
    }));
  const hash = createHash('sha256').update(JSON.stringify(def)).digest('hex').slice(0, 12);
  return Object.freeze({
    name: def.name,
    version: `${def.version}-${hash}`,
    entity: def.entity,
    allowedLatenessMs,
    windows,
    features,
    outputNames: features.filter((f) => f.output).map((f) => f.name),
    retentionMs: Math.max(0, ...windows.map((w) => w.ms)) + allowedLatenessMs,
  });
}

/** Reads and validates a feature-set YAML (or JSON) file. */
export function loadFeatureSet(path: string): FeatureSet {
  let document: unknown;
  try {
    document = parseYaml(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw featureSetErrors.create('TW_FEATURE_INVALID_DEFINITION', `cannot read feature set ${path}: ${(cause as Error).message}`, {
      cause,
    });
  }
  return defineFeatureSet(document);
}

/** The feature set the service ships with. */
export const defaultFeatureSetPath = new URL('../feature-sets/card-fraud.yaml', import.meta.url).pathname;
