import { readFileSync } from 'node:fs';
import { TidewaterError } from '@tidewater/errors';

/**
 * Reads services/drift-monitor/test-fixtures/stat-fixtures.json, written by make_stat_fixtures.py
 * from SciPy. JSON has no NaN or Infinity, so the script writes them as strings; they come back as numbers here.
 */
export function loadStatFixtures(): StatFixtures {
  const path = new URL('../test-fixtures/stat-fixtures.json', import.meta.url);
  return JSON.parse(readFileSync(path, 'utf8'), (_key, value: unknown) => {
    if (value === 'NaN') return Number.NaN;
    if (value === 'Infinity') return Number.POSITIVE_INFINITY;
    if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
    return value;
  }) as StatFixtures;
}

export interface KsFixture {
  readonly statistic: number;
  readonly pvalue: number;
  readonly location: number;
  readonly sign: 1 | -1;
}

export interface GeneratedSample {
  readonly n: number;
  readonly mult: number;
  readonly mod: number;
  readonly offset: number;
}

export interface StatFixtures {
  readonly versions: { readonly scipy: string; readonly numpy: string; readonly python: string };
  readonly samplePairs: readonly {
    readonly name: string;
    readonly a: number[];
    readonly b: number[];
    readonly ks: { readonly exact: KsFixture; readonly asymp: KsFixture; readonly auto: KsFixture };
    readonly wasserstein: number;
    readonly referenceStd: number;
  }[];
  readonly largeGenerated: readonly {
    readonly a: GeneratedSample;
    readonly b: GeneratedSample;
    readonly auto: { readonly statistic: number; readonly pvalue: number };
  }[];
  readonly kstwoSf: readonly { readonly n: number; readonly d: number; readonly sf: number }[];
  readonly smirnovSf: readonly { readonly n: number; readonly d: number; readonly sf: number }[];
  readonly jensenShannon: readonly { readonly p: number[]; readonly q: number[]; readonly distance: number }[];
  readonly chiSquare: readonly {
    readonly reference: number[];
    readonly current: number[];
    readonly statistic: number;
    readonly pvalue: number;
    readonly dof: number;
  }[];
  readonly gammaincc: readonly { readonly a: number; readonly x: number; readonly q: number }[];
  readonly multipleTesting: readonly { readonly p: number[]; readonly bonferroni: number[]; readonly bh: number[] }[];
  readonly psi: readonly { readonly name: string; readonly shares: number[]; readonly counts: number[]; readonly psi: number }[];
}

/**
 * |actual - expected| <= max(rel * |expected|, abs): the comparison every fixture test uses.
 * NaN matches NaN, and infinities must be equal.
 */
export function closeTo(actual: number, expected: number, rel: number, abs = 0): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (!Number.isFinite(expected)) return actual === expected;
  return Math.abs(actual - expected) <= Math.max(rel * Math.abs(expected), abs);
}

/** The TidewaterError code `run` throws, or undefined when it returns. */
export function thrownCode(run: () => unknown): string | undefined {
  try {
    run();
  } catch (err) {
    return err instanceof TidewaterError ? err.code : `not a TidewaterError: ${String(err)}`;
  }
  return undefined;
}
