/**
 * npm run bench:startup — what a service pays to start, three ways side by side in one run, round
 * after round in a rotating order:
 *   - tsx-cold: the TypeScript through `node --import tsx` with an empty tsx cache (a fresh TMPDIR),
 *     which is what every new pod of the old image paid (its /tmp is a fresh emptyDir);
 *   - tsx-warm: the same with tsx's cache already filled (a restarted process on one machine);
 *   - compiled: the image's command now, `node --conditions=tidewater-compiled --enable-source-maps
 *     services/<name>/dist/main.js`, after deploy/docker/build.ts (docs/adr/0008).
 * Two phases:
 *   - load: main with no configuration at all, from spawn to its first output (the configuration
 *     error, printed once every module is loaded and evaluated) and to its exit: the cost of the code
 *     alone, no stack needed;
 *   - ready: main on the dev stack, from spawn to the first 200 on /readyz, and RSS then. Reuses the
 *     stack in TIDEWATER_STACK_DIR when one runs there, else starts its own and stops it at the end.
 * Prints every round, then the medians, and ends with one JSON line.
 *
 *   npm run bench:startup -- [--rounds 5] [--phases load,ready] [--services ingestion,feature,inference,drift-monitor,alerting]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runningStack, serviceNames, stackDown, stackEnv, stackUp } from '@tidewater/dev-stack';
import { repoRoot } from '@tidewater/schemas';
import { buildDist } from '../../deploy/docker/build.js';
import { serviceNodeArgs, startService, type StartMode } from '../../deploy/docker/service-start.js';
import { printBenchResult } from '../bench-results/record.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    phases: { type: 'string', default: 'load,ready' },
    services: { type: 'string', default: serviceNames.join(',') },
    record: { type: 'boolean', default: false },
  },
});
const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, not ${values.rounds}`);
const services = list(values.services);
for (const s of services)
  if (!(serviceNames as readonly string[]).includes(s)) throw new Error(`unknown service ${s}; one of ${serviceNames.join(', ')}`);
const phases = list(values.phases);
for (const p of phases) if (p !== 'load' && p !== 'ready') throw new Error(`unknown phase ${p}; load or ready`);

type Way = 'tsx-cold' | 'tsx-warm' | 'compiled';
const ways: readonly Way[] = ['tsx-cold', 'tsx-warm', 'compiled'];
const modeOf = (way: Way): StartMode => (way === 'compiled' ? 'compiled' : 'tsx');
type Samples = Record<string, Record<Way, number[]>>;
const push = (samples: Samples, service: string, way: Way, value: number | undefined) => {
  if (value !== undefined) (samples[service] ??= { 'tsx-cold': [], 'tsx-warm': [], compiled: [] })[way].push(value);
};

const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const round1 = (x: number) => Math.round(x * 10) / 10;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const work = mkdtempSync(join(tmpdir(), 'tw-bench-startup-'));
const warmCache = join(work, 'tsx-warm');
/** tsx keeps its transpile cache under os.tmpdir(); a fresh TMPDIR is a new pod's empty /tmp. */
const tmpFor = (way: Way) =>
  way === 'tsx-cold' ? mkdtempSync(join(work, 'cold-')) : way === 'tsx-warm' ? warmCache : join(work, 'compiled-tmp');

/**
 * Runs one phase: an untimed tsx start per service first (fills the warm tsx cache), then `rounds`
 * rounds, rotating which way goes first.
 */
async function runPhase(name: string, figures: readonly Samples[], once: (service: string, way: Way) => Promise<string>): Promise<void> {
  for (const service of services) await once(service, 'tsx-warm');
  for (const f of figures) for (const key of Object.keys(f)) delete f[key];
  for (let round = 0; round < rounds; round++) {
    const order = ways.map((_, i) => ways[(i + round) % ways.length]!);
    const line: string[] = [];
    for (const service of services) for (const way of order) line.push(`${service}/${way} ${await once(service, way)}`);
    console.log(`${name} round ${round + 1}/${rounds}: ${line.join(', ')}  (load ${loadavg()[0]!.toFixed(2)})`);
  }
}
const samples = (): Samples => ({});

/**
 * CPU milliseconds (user + system) of this process's children that have been waited for, from
 * /proc/self/stat (cutime, cstime; clock ticks of 10 ms). Children run one at a time, so the
 * difference around one run is that child's CPU, however busy the machine is; a grandchild that is
 * never waited for (tsx's esbuild service) is not in it, which favours tsx.
 */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

// ---- load: main with no configuration, to its first output and its exit --------------------------
const loadFirstMs = samples();
const loadExitMs = samples();
const loadCpuMs = samples();
async function loadOnce(service: string, way: Way): Promise<string> {
  const tmp = tmpFor(way);
  const cpuBefore = childrenCpuMs();
  const started = performance.now();
  const child = spawn(process.execPath, serviceNodeArgs(service, modeOf(way)), {
    cwd: repoRoot,
    env: { PATH: process.env['PATH'] ?? '', TMPDIR: tmp },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let first: number | undefined;
  let output = '';
  const note = (chunk: Buffer) => {
    first ??= performance.now() - started;
    output += chunk.toString();
  };
  child.stdout.on('data', note);
  child.stderr.on('data', note);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const exit = performance.now() - started;
  if (way === 'tsx-cold') rmSync(tmp, { recursive: true, force: true });
  if (code !== 1 || !output.includes('invalid configuration'))
    throw new Error(
      `${service} (${way}) with no configuration exited ${code}, not 1 with its configuration error:\n${output.slice(-1500)}`,
    );
  push(loadFirstMs, service, way, first);
  push(loadExitMs, service, way, exit);
  const cpu = childrenCpuMs() - cpuBefore;
  push(loadCpuMs, service, way, cpu);
  return `${Math.round(first ?? NaN)}/${Math.round(exit)} ms, cpu ${cpu} ms`;
}

// ---- ready: main on the dev stack, to /readyz 200 ----------------------------------------------
const readyMs = samples();
const rssMiB = samples();
const readyCpuMs = samples();
let starts = 0;
async function readyOnce(env: Record<string, string>, service: string, way: Way): Promise<string> {
  starts++;
  const tmp = tmpFor(way);
  const cpuBefore = childrenCpuMs();
  const logFile = join(work, 'logs', `${service}-${way}-${starts}.log`);
  const started = await startService(
    service,
    modeOf(way),
    {
      ...env,
      TMPDIR: tmp,
      KAFKA_CLIENT_ID: `tidewater-${service}-bench`,
      REDIS_KEY_PREFIX: `tw:bench-startup-${process.pid}-${starts}:${service}:`,
    },
    { logFile, pollMs: 5 },
  );
  const code = await started.stop();
  if (code !== 0) throw new Error(`${service} (${way}) exited with ${code} on SIGTERM; see ${logFile}`);
  if (way === 'tsx-cold') rmSync(tmp, { recursive: true, force: true });
  push(readyMs, service, way, started.readyMs);
  push(rssMiB, service, way, started.rssMiB);
  const cpu = childrenCpuMs() - cpuBefore;
  push(readyCpuMs, service, way, cpu);
  return `${Math.round(started.readyMs)} ms, cpu ${cpu} ms`;
}

/** Medians per way of one figure, with the tsx ways as ratios to the compiled one. */
function summary(s: Samples, service: string, digits = 0) {
  const m = Object.fromEntries(ways.map((w) => [w, median(s[service]?.[w] ?? [])])) as Record<Way, number>;
  const r = (x: number) => (digits ? round1(x) : Math.round(x));
  return {
    tsxCold: r(m['tsx-cold']),
    tsxWarm: r(m['tsx-warm']),
    compiled: r(m.compiled),
    coldToCompiled: round1(m['tsx-cold'] / m.compiled),
    warmToCompiled: round1(m['tsx-warm'] / m.compiled),
  };
}
function table(title: string, s: Samples, digits = 0): Record<string, ReturnType<typeof summary>> {
  console.log(`\n${title}`);
  console.log(
    `${'service'.padEnd(14)} ${'tsx-cold'.padStart(9)} ${'tsx-warm'.padStart(9)} ${'compiled'.padStart(9)} ${'cold/comp'.padStart(10)} ${'warm/comp'.padStart(10)}`,
  );
  const out: Record<string, ReturnType<typeof summary>> = {};
  for (const service of services) {
    const x = (out[service] = summary(s, service, digits));
    console.log(
      `${service.padEnd(14)} ${String(x.tsxCold).padStart(9)} ${String(x.tsxWarm).padStart(9)} ${String(x.compiled).padStart(9)} ${`x${x.coldToCompiled}`.padStart(10)} ${`x${x.warmToCompiled}`.padStart(10)}`,
    );
  }
  return out;
}

const result: Record<string, unknown> = { bench: 'startup', rounds };
const built = await buildDist();
result['buildMs'] = Math.round(built.ms);
result['compiledFiles'] = built.outputs.length;
console.log(`build: ${built.outputs.length} files from ${built.workspaces.length} workspaces in ${Math.round(built.ms)} ms`);
console.log(`machine: ${cpus().length} cores, load ${load()}`);
try {
  if (phases.includes('load')) {
    await runPhase('load', [loadFirstMs, loadExitMs, loadCpuMs], loadOnce);
    // Printed as soon as the phase ends, so that a failure in the next one does not lose them.
    result['loadFirstOutputMs'] = table(
      `load: medians of ${rounds} rounds, spawn to the first output with no configuration (ms)`,
      loadFirstMs,
    );
    result['loadExitMs'] = table(`load: spawn to exit (ms)`, loadExitMs);
    result['loadCpuMs'] = table(`load: CPU of the process, user + system (ms)`, loadCpuMs);
  }
  if (phases.includes('ready')) {
    const reuseDir = process.env['TIDEWATER_STACK_DIR'];
    const reused = reuseDir ? runningStack(reuseDir) : undefined;
    const ownDir = reused ? undefined : join(work, 'stack');
    const state = reused ?? (await stackUp({ dir: ownDir!, fresh: true }));
    try {
      const env = {
        ...stackEnv(state),
        API_KEYS: 'dev:e21f99df45733a54b5279905a4188cde359715de072df16599f66977ac94bfb4',
        ALERTING_CONFIG_FILE: join(repoRoot, 'deploy', 'alerting.dev.yaml'),
      };
      await runPhase('ready', [readyMs, rssMiB, readyCpuMs], (service, way) => readyOnce(env, service, way));
      result['readyMs'] = table(`ready: medians of ${rounds} rounds, spawn to /readyz 200 on the dev stack (ms)`, readyMs);
      result['rssWhenReadyMiB'] = table(`ready: RSS when ready (MiB)`, rssMiB, 1);
      result['readyCpuMs'] = table(`ready: CPU of the process from spawn to its exit after SIGTERM, user + system (ms)`, readyCpuMs);
    } finally {
      if (ownDir) await stackDown(ownDir);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

console.log(`\nmachine load at the end: ${load()}`);
printBenchResult(JSON.stringify(result));
