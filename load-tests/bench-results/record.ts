/**
 * Benchmark results as data: each `bench:*` script prints one JSON object as its last line; with
 * `BENCH_RECORD=1` (or `--record`) that line is also appended to docs/benchmarks/results.jsonl with
 * the commit, the date and the machine, so figures live as data next to where they came from
 * (house style 13) instead of in READMEs. `npm run bench:report` renders the file.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { cpus, hostname, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const RESULTS_FILE = join(REPO_ROOT, 'docs/benchmarks/results.jsonl');

/** Where and on what a run happened. */
export interface RunContext {
  /** `git rev-parse HEAD`, or `unknown` outside a checkout. */
  readonly commit: string;
  /** Whether files other than the results file differed from the commit. */
  readonly dirty: boolean;
  /** Those files (`git status --porcelain` paths), at most {@link MAX_DIRTY_PATHS}. */
  readonly dirty_paths: readonly string[];
  /** ISO 8601, UTC. */
  readonly date: string;
  readonly machine: Machine;
}

export interface Machine {
  readonly cpu_model: string;
  readonly cpus: number;
  readonly memory_gb: number;
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
  /** First 8 hex digits of sha256(hostname): tells machines apart without naming them. */
  readonly host: string;
}

/** One line of results.jsonl: the context, then the bench's own JSON object untouched. */
export interface BenchRecord extends RunContext {
  readonly bench: string;
  readonly result: Record<string, unknown>;
}

export const MAX_DIRTY_PATHS = 20;

/** Whether this run should be recorded: `BENCH_RECORD=1` (or `true`) or a `--record` argument. */
export function shouldRecord(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = process.argv): boolean {
  const flag = env['BENCH_RECORD']?.trim().toLowerCase();
  return flag === '1' || flag === 'true' || argv.includes('--record');
}

/**
 * The line to append for a bench's final JSON line. Throws when the line is not a JSON object with a
 * string `bench`, so a broken bench cannot write a record that the report cannot read.
 */
export function formatRecordLine(jsonLine: string, context: RunContext): string {
  const parsed: unknown = JSON.parse(jsonLine);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TypeError('a bench result must be one JSON object');
  }
  const result = parsed as Record<string, unknown>;
  if (typeof result['bench'] !== 'string') throw new TypeError('a bench result needs a string "bench" field');
  const record: BenchRecord = { bench: result['bench'], ...context, result };
  return `${JSON.stringify(record)}\n`;
}

/** Paths of `git status --porcelain -z` output, minus the results file itself (appending to it is not a change). */
export function dirtyPaths(porcelainZ: string, ignore: readonly string[]): string[] {
  const paths: string[] = [];
  const entries = porcelainZ.split('\0');
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.length < 4) continue;
    // A rename's entry is followed by its source path, which is not a change of its own.
    if (entry[0] === 'R' || entry[0] === 'C') i++;
    const path = entry.slice(3);
    if (!ignore.includes(path)) paths.push(path);
  }
  return paths;
}

function git(args: readonly string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

/** The context of this process's run (git, clock, os). */
export function currentContext(now: Date = new Date()): RunContext {
  const status = git(['status', '--porcelain', '-z']);
  const dirty = status === undefined ? [] : dirtyPaths(status, [relative(REPO_ROOT, RESULTS_FILE)]);
  const cpuList = cpus();
  return {
    commit: git(['rev-parse', 'HEAD'])?.trim() || 'unknown',
    dirty: dirty.length > 0,
    dirty_paths: dirty.slice(0, MAX_DIRTY_PATHS),
    date: now.toISOString(),
    machine: {
      cpu_model: cpuList[0]?.model.trim() ?? 'unknown',
      cpus: cpuList.length,
      memory_gb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      host: createHash('sha256').update(hostname()).digest('hex').slice(0, 8),
    },
  };
}

/**
 * Appends the bench's final JSON line to results.jsonl when recording is on; returns the appended
 * line, or undefined when recording is off.
 */
export function recordBenchResult(jsonLine: string, file: string = RESULTS_FILE): string | undefined {
  if (!shouldRecord()) return undefined;
  const line = formatRecordLine(jsonLine, currentContext());
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, line);
  console.error(`recorded in ${relative(process.cwd(), file) || file}`);
  return line;
}

/** Prints the bench's final JSON line exactly as before, then records it (see {@link recordBenchResult}). */
export function printBenchResult(jsonLine: string): void {
  console.log(jsonLine);
  recordBenchResult(jsonLine);
}
