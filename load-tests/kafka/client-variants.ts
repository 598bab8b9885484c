/**
 * The clients bench:kafka compares, and the pure parts of the comparison: how a child process is
 * told which client to run, how module resolution picks the kafkajs build, what a child's result
 * line must hold, and the medians and ratios of interleaved rounds.
 */

/** Which copy of kafkajs 2.2.4 a process loads as `kafkajs`. */
export type KafkajsBuild = 'patched' | 'pristine';

export interface ClientVariant {
  /** The JSON key prefix and the label of its rows. */
  readonly key: 'kafkajs_pristine' | 'kafkajs_patched' | 'platformatic';
  readonly label: string;
  /** `@tidewater/kafka`'s client choice (KAFKA_CLIENT). */
  readonly kafkaClient: 'kafkajs' | 'platformatic';
  readonly kafkajs: KafkajsBuild;
}

export const VARIANTS: readonly ClientVariant[] = [
  { key: 'kafkajs_pristine', label: 'kafkajs 2.2.4 (pristine)', kafkaClient: 'kafkajs', kafkajs: 'pristine' },
  { key: 'kafkajs_patched', label: 'kafkajs 2.2.4 + patch', kafkaClient: 'kafkajs', kafkajs: 'patched' },
  { key: 'platformatic', label: '@platformatic/kafka', kafkaClient: 'platformatic', kafkajs: 'patched' },
];

/** The variant every ratio is taken against: what the services run today. */
export const BASELINE: ClientVariant['key'] = 'kafkajs_patched';

/** The unpatched release, installed as `kafkajs-upstream` (`npm:kafkajs@2.2.4`, root devDependencies). */
export const PRISTINE_PACKAGE = 'kafkajs-upstream';

/** The environment a child process of `variant` runs with. */
export function variantEnv(variant: ClientVariant): Record<string, string> {
  return { KAFKA_CLIENT: variant.kafkaClient, BENCH_KAFKAJS: variant.kafkajs };
}

/** `kafkajs` and its subpaths mapped to the pristine copy for the pristine build; anything else unchanged. */
export function mapKafkajsSpecifier(specifier: string, build: KafkajsBuild): string {
  if (build !== 'pristine') return specifier;
  if (specifier === 'kafkajs') return PRISTINE_PACKAGE;
  if (specifier.startsWith('kafkajs/')) return `${PRISTINE_PACKAGE}${specifier.slice('kafkajs'.length)}`;
  return specifier;
}

/** Which Kafka client files a process loaded (from the resolved URLs of its modules). */
export interface ModuleWitness {
  readonly kafkajsPatched: boolean;
  readonly kafkajsPristine: boolean;
  readonly platformatic: boolean;
}

export function witnessOf(urls: readonly string[]): ModuleWitness {
  return {
    kafkajsPatched: urls.some((u) => u.includes('/node_modules/kafkajs/')),
    kafkajsPristine: urls.some((u) => u.includes(`/node_modules/${PRISTINE_PACKAGE}/`)),
    platformatic: urls.some((u) => u.includes('/node_modules/@platformatic/kafka/')),
  };
}

/** Whether a process that loaded `witness` ran `variant`'s client, and only that one for Kafka traffic. */
export function witnessMatches(variant: ClientVariant, witness: ModuleWitness): boolean {
  if (variant.kafkaClient === 'platformatic') return witness.platformatic;
  return variant.kafkajs === 'pristine'
    ? witness.kafkajsPristine && !witness.kafkajsPatched
    : witness.kafkajsPatched && !witness.kafkajsPristine;
}

/** The last line of a child's stdout that parses as a JSON object; throws when there is none. */
export function lastJsonObject(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n').reverse();
  for (const line of lines) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      const parsed: unknown = JSON.parse(t);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // a log line that happens to start with a brace
    }
  }
  throw new Error(`no JSON object line in the child's output: ${stdout.slice(-300)}`);
}

export function median(values: readonly number[]): number {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile (p in 0..100) of finite values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/**
 * The spread of repeated rounds as a share of their median ((max - min) / median): the noise a
 * difference between two clients has to exceed to mean something. NaN with fewer than 2 rounds.
 */
export function spread(values: readonly number[]): number {
  const s = values.filter(Number.isFinite);
  if (s.length < 2) return NaN;
  return (Math.max(...s) - Math.min(...s)) / median(s);
}

/** `a / b` rounded to 2 decimals, or null when either side is missing. */
export function ratio(a: number, b: number): number | null {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? Math.round((a / b) * 100) / 100 : null;
}

/** Rounds interleaved so that each round runs every variant once, in an order rotated by round. */
export function interleave<T>(variants: readonly T[], rounds: number): { round: number; variant: T }[] {
  const out: { round: number; variant: T }[] = [];
  for (let round = 0; round < rounds; round++)
    for (let i = 0; i < variants.length; i++) out.push({ round, variant: variants[(i + round) % variants.length]! });
  return out;
}

/** A figure's rounds per variant, summarised for the JSON line: median, rounds, spread and ratio to the baseline. */
export interface Summary {
  readonly median: number | null;
  readonly rounds: (number | null)[];
  readonly spread: number | null;
  readonly ratio_to_patched: number | null;
}

const finiteOrNull = (x: number, digits: number) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : null);

export function summarize(byVariant: Readonly<Record<string, readonly number[]>>, digits = 0): Record<string, Summary> {
  const base = median(byVariant[BASELINE] ?? []);
  return Object.fromEntries(
    Object.entries(byVariant).map(([key, rounds]) => {
      const m = median(rounds);
      return [
        key,
        {
          median: finiteOrNull(m, digits),
          rounds: rounds.map((r) => finiteOrNull(r, digits)),
          spread: finiteOrNull(spread(rounds), 2),
          ratio_to_patched: ratio(m, base),
        },
      ];
    }),
  );
}

/**
 * `figures` flattened per client for bench:report's table and plot, which read top-level numbers only:
 * `<figure>_<client>` (the median) and, besides the baseline, `<figure>_ratio_<client>`; null where a
 * client did not run.
 */
export function headlines(
  table: Readonly<Record<string, Readonly<Record<string, Summary>>>>,
  variants: readonly Pick<ClientVariant, 'key'>[],
  figures: readonly string[],
): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const name of figures)
    for (const v of variants) {
      const s = table[name]?.[v.key];
      out[`${name}_${v.key}`] = s?.median ?? null;
      if (v.key !== BASELINE) out[`${name}_ratio_${v.key}`] = s?.ratio_to_patched ?? null;
    }
  return out;
}
