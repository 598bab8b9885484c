/**
 * npm run bench:startup — how long each service takes from spawn to its first 200 on /readyz,
 * run three ways side by side in one run, round after round in a rotating order:
 *   - tsx-cold: the TypeScript through `node --import tsx` with an empty tsx cache (a fresh TMPDIR),
 *     which is what every new pod of the old image paid (its /tmp is a fresh emptyDir);
 *   - tsx-warm: the same with tsx's cache already filled (a restarted process on one machine);
 *   - compiled: the image's command now, `node --conditions=tidewater-compiled --enable-source-maps
 *     services/<name>/dist/main.js`, after deploy/docker/build.ts (docs/adr/0008).
 * Reuses the stack in TIDEWATER_STACK_DIR when one runs there, else starts its own (Apache Kafka,
 * dev registry, Redis) and stops it at the end. Prints every start, then the medians, and ends with
 * one JSON line.
 *
 *   npm run bench:startup -- [--rounds 5] [--services ingestion,feature,inference,drift-monitor,alerting]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runningStack, serviceNames, stackDown, stackEnv, stackUp } from '@tidewater/dev-stack';
import { repoRoot } from '@tidewater/schemas';
import { buildDist } from '../../deploy/docker/build.js';
import { startService, type StartMode } from '../../deploy/docker/service-start.js';
import { printBenchResult } from '../bench-results/record.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    services: { type: 'string', default: serviceNames.join(',') },
    record: { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, not ${values.rounds}`);
const services = values.services
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
for (const s of services)
  if (!(serviceNames as readonly string[]).includes(s)) throw new Error(`unknown service ${s}; one of ${serviceNames.join(', ')}`);

type Way = 'tsx-cold' | 'tsx-warm' | 'compiled';
const ways: readonly Way[] = ['tsx-cold', 'tsx-warm', 'compiled'];
const modeOf = (way: Way): StartMode => (way === 'compiled' ? 'compiled' : 'tsx');

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const round1 = (x: number) => Math.round(x * 10) / 10;

const work = mkdtempSync(join(tmpdir(), 'tw-bench-startup-'));
const warmCache = join(work, 'tsx-warm');
const reuseDir = process.env['TIDEWATER_STACK_DIR'];
const reused = reuseDir ? runningStack(reuseDir) : undefined;
const ownDir = reused ? undefined : join(work, 'stack');

const built = await buildDist();
console.log(`build: ${built.outputs.length} files from ${built.workspaces.length} workspaces in ${Math.round(built.ms)} ms`);
console.log(
  `machine: ${cpus().length} cores, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

const state = reused ?? (await stackUp({ dir: ownDir!, fresh: true }));
const readyMs: Record<string, Record<Way, number[]>> = {};
const loadedMs: Record<string, Record<Way, number[]>> = {};
const rss: Record<string, Record<Way, number[]>> = {};
try {
  const baseEnv = {
    ...stackEnv(state),
    API_KEYS: 'dev:e21f99df45733a54b5279905a4188cde359715de072df16599f66977ac94bfb4',
    ALERTING_CONFIG_FILE: join(repoRoot, 'deploy', 'alerting.dev.yaml'),
  };
  let starts = 0;
  const startOnce = async (service: string, way: Way): Promise<void> => {
    starts++;
    // tsx keeps its transpile cache under os.tmpdir(); a fresh TMPDIR is a pod's empty /tmp.
    const tmp = way === 'tsx-cold' ? mkdtempSync(join(work, 'cold-')) : way === 'tsx-warm' ? warmCache : join(work, 'compiled-tmp');
    const env = {
      ...baseEnv,
      TMPDIR: tmp,
      KAFKA_CLIENT_ID: `tidewater-${service}-bench`,
      REDIS_KEY_PREFIX: `tw:bench-startup-${process.pid}-${starts}:${service}:`,
    };
    const logFile = join(work, 'logs', `${service}-${way}-${starts}.log`);
    const started = await startService(service, modeOf(way), env, { logFile, pollMs: 5 });
    const code = await started.stop();
    if (code !== 0) throw new Error(`${service} (${way}) exited with ${code} on SIGTERM; see ${logFile}`);
    if (way === 'tsx-cold') rmSync(tmp, { recursive: true, force: true });
    ((readyMs[service] ??= { 'tsx-cold': [], 'tsx-warm': [], compiled: [] })[way] ??= []).push(started.readyMs);
    if (started.firstOutputMs !== undefined)
      ((loadedMs[service] ??= { 'tsx-cold': [], 'tsx-warm': [], compiled: [] })[way] ??= []).push(started.firstOutputMs);
    if (started.rssMiB !== undefined)
      ((rss[service] ??= { 'tsx-cold': [], 'tsx-warm': [], compiled: [] })[way] ??= []).push(started.rssMiB);
  };

  // One untimed start per way first: fills the warm tsx cache and the OS page cache for all three.
  for (const service of services) {
    for (const way of ways) {
      await startOnce(service, way);
      readyMs[service]![way].pop();
      rss[service]?.[way].pop();
      loadedMs[service]?.[way].pop();
    }
  }
  for (let round = 0; round < rounds; round++) {
    // Rotate which way goes first, so none always starts on the warmest machine.
    const order = ways.map((_, i) => ways[(i + round) % ways.length]!);
    const line: string[] = [];
    for (const service of services) {
      for (const way of order) {
        await startOnce(service, way);
        line.push(`${service}/${way} ${Math.round(readyMs[service]![way].at(-1)!)} ms`);
      }
    }
    console.log(`round ${round + 1}/${rounds}: ${line.join(', ')}  (load ${loadavg()[0]!.toFixed(2)})`);
  }
} finally {
  if (ownDir) await stackDown(ownDir);
  rmSync(work, { recursive: true, force: true });
}

const results: Record<string, Record<string, number>> = {};
const header = `${'service'.padEnd(14)} ${'tsx-cold'.padStart(9)} ${'tsx-warm'.padStart(9)} ${'compiled'.padStart(9)} ${'cold/comp'.padStart(10)} ${'warm/comp'.padStart(10)}`;
console.log(`\nmedians of ${rounds} rounds, spawn to /readyz 200 (ms), and RSS when ready (MiB)`);
console.log(`${header} ${'RSS tsx'.padStart(8)} ${'RSS comp'.padStart(9)}`);
for (const service of services) {
  const m = Object.fromEntries(ways.map((w) => [w, median(readyMs[service]![w])])) as Record<Way, number>;
  const r = Object.fromEntries(ways.map((w) => [w, rss[service]?.[w].length ? median(rss[service][w]) : NaN])) as Record<Way, number>;
  results[service] = {
    tsxColdMs: Math.round(m['tsx-cold']),
    tsxWarmMs: Math.round(m['tsx-warm']),
    compiledMs: Math.round(m.compiled),
    coldToCompiled: round1(m['tsx-cold'] / m.compiled),
    warmToCompiled: round1(m['tsx-warm'] / m.compiled),
    loadedTsxColdMs: Math.round(median(loadedMs[service]?.['tsx-cold'] ?? [NaN])),
    loadedTsxWarmMs: Math.round(median(loadedMs[service]?.['tsx-warm'] ?? [NaN])),
    loadedCompiledMs: Math.round(median(loadedMs[service]?.compiled ?? [NaN])),
    rssTsxColdMiB: round1(r['tsx-cold']),
    rssCompiledMiB: round1(r.compiled),
  };
  const x = results[service];
  console.log(
    `${service.padEnd(14)} ${String(x.tsxColdMs).padStart(9)} ${String(x.tsxWarmMs).padStart(9)} ${String(x.compiledMs).padStart(9)} ${`x${x.coldToCompiled}`.padStart(10)} ${`x${x.warmToCompiled}`.padStart(10)} ${String(x.rssTsxColdMiB).padStart(8)} ${String(x.rssCompiledMiB).padStart(9)}`,
  );
}
console.log(`\nmedians, spawn to the first output line (ms): the code loaded, before any connection`);
console.log(header);
for (const service of services) {
  const x = results[service]!;
  const ratio = (a: number | undefined, b: number | undefined) => `x${round1((a ?? NaN) / (b ?? NaN))}`;
  console.log(
    `${service.padEnd(14)} ${String(x['loadedTsxColdMs']).padStart(9)} ${String(x['loadedTsxWarmMs']).padStart(9)} ${String(x['loadedCompiledMs']).padStart(9)} ${ratio(x['loadedTsxColdMs'], x['loadedCompiledMs']).padStart(10)} ${ratio(x['loadedTsxWarmMs'], x['loadedCompiledMs']).padStart(10)}`,
  );
}
printBenchResult(
  JSON.stringify({
    bench: 'startup',
    rounds,
    kafka: reused ? 'reused' : 'own',
    buildMs: Math.round(built.ms),
    compiledFiles: built.outputs.length,
    services: results,
  }),
);
