/**
 * npm run bench:node — runs benchmarks on two Node.js versions side by side, interleaved round by
 * round (the machine is shared and noisy, so each runtime sees the same conditions), and compares
 * the medians of every figure in each bench's last JSON line.
 *
 *   npm run bench:node -- [--benches serde,inference] [--rounds 3] [--baseline 20.20.2] [--candidate 24.22.3]
 *
 * Each bench runs as `npm run --silent bench:<name>` with the chosen runtime first on PATH, so the
 * services and workers a bench spawns run on that runtime too. Both runtimes are installed from the
 * npm registry into ~/.cache/tidewater on first use. Last line: one JSON object of the figures.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { printBenchResult } from '../bench-results/record.js';
import { compareRounds, lastJsonObject, numericFigures, type FigureComparison } from './compare-figures.js';
import { nodeBinDir } from './node-binary.js';

const { values } = parseArgs({
  options: {
    benches: { type: 'string', default: 'serde,inference' },
    rounds: { type: 'string', default: '3' },
    baseline: { type: 'string', default: '20.20.2' },
    candidate: { type: 'string', default: '24.22.3' },
    record: { type: 'boolean', default: false },
  },
});
const benches = values.benches
  .split(',')
  .map((b) => b.trim())
  .filter(Boolean);
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, not ${values.rounds}`);
const runtimes = { baseline: values.baseline, candidate: values.candidate } as const;
const bins = { baseline: nodeBinDir(runtimes.baseline), candidate: nodeBinDir(runtimes.candidate) };

type Side = keyof typeof runtimes;
const figures: Record<string, Record<Side, Map<string, number>[]>> = {};

function runBench(bench: string, side: Side): Map<string, number> {
  const started = Date.now();
  const child = spawnSync('npm', ['run', '--silent', `bench:${bench}`], {
    env: { ...process.env, PATH: `${bins[side]}:${process.env['PATH'] ?? ''}`, BENCH_RECORD: '' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const result = lastJsonObject(child.stdout ?? '');
  if (child.status !== 0 || !result) {
    throw new Error(
      `bench:${bench} on Node ${runtimes[side]} failed (exit ${child.status}); its output ended:\n${(child.stdout ?? '').slice(-2000)}`,
    );
  }
  console.error(`  bench:${bench} on Node ${runtimes[side]}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return numericFigures(result);
}

for (let round = 0; round < rounds; round++) {
  console.error(`round ${round + 1} of ${rounds}`);
  for (const bench of benches) {
    // Alternate which runtime goes first, so neither always runs on the warmer machine.
    const order: Side[] = round % 2 === 0 ? ['baseline', 'candidate'] : ['candidate', 'baseline'];
    for (const side of order) {
      const entry = (figures[bench] ??= { baseline: [], candidate: [] });
      entry[side].push(runBench(bench, side));
    }
  }
}

const results: Record<string, Record<string, FigureComparison>> = {};
for (const bench of benches) {
  const entry = figures[bench]!;
  results[bench] = compareRounds(entry.baseline, entry.candidate);
  console.log(`\nbench:${bench}: medians of ${rounds} rounds, Node ${runtimes.baseline} vs ${runtimes.candidate}`);
  for (const [figure, c] of Object.entries(results[bench])) {
    console.log(`  ${figure.padEnd(48)} ${String(c.baseline).padStart(14)} ${String(c.candidate).padStart(14)}  x${c.ratio ?? '-'}`);
  }
}
printBenchResult(JSON.stringify({ bench: 'node-runtime', baseline: runtimes.baseline, candidate: runtimes.candidate, rounds, results }));
