/**
 * npm run load — the whole pipeline under a fixed arrival rate (issue 23 part 1). Uses the dev
 * stack in TIDEWATER_STACK_DIR (or .tidewater) with its five services, starting what is missing and
 * stopping what it started. Sends card payments open loop into `events.raw` (and a share over HTTP
 * to ingestion) in steps, then ramps to find the highest rate it sustains; prints progress to
 * stderr, writes an HTML report to .tidewater/reports/, and prints one JSON line last.
 * Flags: see ./args.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { runningStack, stackDir, stackDown, stackUp, startStackServices, type StackState } from '@tidewater/dev-stack';
import { repoRoot } from '@tidewater/schemas';
import { currentContext, printBenchResult } from '../bench-results/record.js';
import { parseLoadArgs } from './args.js';
import { renderReport } from './report-html.js';
import { runLoad, type LoadTarget } from './run-load.js';
import { serviceTuningEnv } from './service-env.js';

// The dev stack's ingestion accepts this key (libs/dev-stack/src/pipeline-services.ts configures its sha256).
const DEV_API_KEY = 'tidewater-dev-key';

function targetOf(state: StackState): LoadTarget {
  const ingestion = state.services.find((s) => s.name === 'ingestion');
  if (!ingestion) throw new Error('the stack runs no ingestion service');
  const processes: Record<string, number[]> = {};
  for (const s of state.services) (processes[s.name] ??= []).push(s.pid);
  processes['kafka'] = [...state.kafka.pids];
  if (state.redis.pid !== undefined) processes['redis'] = [state.redis.pid];
  processes['schema-registry'] = [state.registry.pid];
  return {
    brokers: state.kafka.bootstrapServers,
    registryUrl: state.registry.url,
    ingestionUrl: `http://127.0.0.1:${ingestion.port}/v1/events`,
    apiKey: DEV_API_KEY,
    processes,
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseLoadArgs(argv);
  const dir = stackDir();
  let state = runningStack(dir);
  const startedHere = !state;
  const servicesStartedHere = !state || state.services.length === 0;
  const log = (line: string) => console.error(line);
  if (!state) {
    log(`starting the dev stack in ${dir} with the five services...`);
    state = await stackUp({ dir, services: true, inferenceWorkers: args.inferenceWorkers, log });
  } else if (state.services.length === 0) {
    state = await startStackServices({ dir, inferenceWorkers: args.inferenceWorkers });
  }
  try {
    const started = new Date();
    const result = await runLoad(targetOf(state), args, log);
    const { series, ...figures } = result;
    const context = currentContext(started);
    const command = `npm run load -- ${argv.join(' ')}`.trim();
    const reportDir = join(repoRoot, '.tidewater', 'reports');
    mkdirSync(reportDir, { recursive: true });
    const reportFile = join(reportDir, `pipeline-load-${started.toISOString().replace(/[:.]/g, '-')}.html`);
    const line = {
      bench: 'pipeline-load',
      kafka: state.kafka.kind === 'apache' ? `apache ${state.kafka.version}` : 'mock',
      inference_workers: state.services.filter((s) => s.name === 'inference').length,
      step_seconds: args.stepSeconds,
      http_share: args.httpShare,
      drain_seconds: args.drainSeconds,
      // The services' tuning variables when this run started them (else unknown: null).
      service_env: servicesStartedHere ? serviceTuningEnv(process.env) : null,
      ...figures,
      cpus: cpus().length,
      loadavg_1m: Math.round(loadavg()[0]! * 100) / 100,
      report: relative(repoRoot, reportFile),
    };
    writeFileSync(
      reportFile,
      renderReport({
        title: `Tidewater pipeline under load, ${started.toISOString()}`,
        about: [
          `command: ${command}`,
          `commit ${context.commit}${context.dirty ? ' (with uncommitted changes)' : ''}, ${context.machine.cpus} × ${context.machine.cpu_model}, node ${context.machine.node}`,
          `Kafka: ${line.kafka}; inference workers: ${line.inference_workers}; ${args.httpShare * 100}% of events over HTTP`,
          'Latency counts from each event’s scheduled send time (open loop), so a late send is included.',
          'A step is sustained when no event is lost and the events due (sent or not) but not yet predicted or dead-lettered end the step at most 2 s of arrivals, not growing over its second half by 5% of the rate per second or more.',
          'Lag (committed offsets, per group) is shown for information: with a commit interval it includes up to an interval of processed records.',
        ],
        summary: line,
        series,
      }),
    );
    log(`report: ${line.report}`);
    printBenchResult(JSON.stringify(line));
  } finally {
    if (startedHere) {
      log('stopping the stack...');
      await stackDown(dir);
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
