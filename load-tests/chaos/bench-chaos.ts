/**
 * npm run chaos — the whole pipeline under a fixed arrival rate while a seeded schedule of faults
 * runs (issue 23 part 2). Starts its own dev stack (Apache Kafka, Redis with its append-only file,
 * the schema registry, the Slack capture, the five services with three inference workers) in
 * TIDEWATER_STACK_DIR or .tidewater/chaos, never a stack it did not start, since it kills its
 * parts; prints the schedule first, progress to stderr, writes an HTML report with the faults on
 * the time axis to .tidewater/reports/, and prints one JSON line last. Exits 1 when an event is lost.
 * Flags: see ./args.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { runningStack, stackDown, stackUp } from '@tidewater/dev-stack';
import { createKafkaClient, createProducer } from '@tidewater/kafka';
import { repoRoot } from '@tidewater/schemas';
import { currentContext, printBenchResult } from '../bench-results/record.js';
import { renderReport } from '../pipeline/report-html.js';
import { parseChaosArgs } from './args.js';
import { describePlan, planFaults, planSeconds } from './fault-plan.js';
import { startKafkaProxy } from './kafka-proxy.js';
import { runChaos } from './run-chaos.js';
import type { ChaosStack } from './stack-faults.js';

// The dev stack's ingestion accepts this key (libs/dev-stack/src/pipeline-services.ts configures its sha256).
const DEV_API_KEY = 'tidewater-dev-key';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseChaosArgs(argv);
  const log = (line: string) => console.error(line);
  const dir = process.env['TIDEWATER_STACK_DIR'] ?? join(repoRoot, '.tidewater', 'chaos');
  if (runningStack(dir)) throw new Error(`a stack is already running in ${dir}; the chaos run starts (and kills) its own`);
  if (args.proxy && args.kafkaBrokers !== 1) {
    log('the Kafka fault proxy runs with one Kafka node only: --kafka-brokers 3 runs without it');
  }
  const useProxy = args.proxy && args.kafkaBrokers === 1;
  const plan = planFaults({ ...args, proxy: useProxy });
  const seconds = planSeconds(plan, args.gapSeconds);
  log(
    `chaos run, seed ${args.seed}: ${args.rate} events/s for at least ${seconds} s, ${plan.length} faults (each next one its gap after the previous part is back):`,
  );
  for (const line of describePlan(plan)) log(line);
  const proxy = useProxy ? await startKafkaProxy(dir, log) : undefined;
  log(
    `starting the dev stack in ${dir} (${args.kafkaBrokers} Kafka ${args.kafkaBrokers === 1 ? 'node' : 'nodes'}, ${args.inferenceWorkers} inference workers)...`,
  );
  const started = new Date();
  try {
    const serviceEnv: Record<string, Record<string, string>> = {};
    const up = () =>
      stackUp({
        dir,
        services: !proxy,
        brokers: args.kafkaBrokers,
        inferenceWorkers: args.inferenceWorkers,
        fresh: true,
        log,
        ...(proxy ? { kafkaProxiedListener: proxy.listener } : {}),
      });
    // On a loaded 2-core machine Kafka can miss its 60 s start-up deadline: a retriable failure, tried twice more.
    let state = await up().catch(async (err: unknown) => {
      for (let attempt = 2; ; attempt++) {
        if (!(err as { retriable?: boolean }).retriable || attempt > 3) throw err;
        log(`the stack did not start (${String(err)}); attempt ${attempt} of 3`);
        try {
          return await up();
        } catch (next) {
          err = next;
        }
      }
    });
    if (proxy) state = await proxy.startServices(state, serviceEnv, args.inferenceWorkers);
    const processes: Record<string, number[]> = {};
    const producer = createProducer({ kafka: createKafkaClient({ brokers: state.kafka.bootstrapServers, clientId: 'tidewater-chaos' }) });
    await producer.start();
    const stack: ChaosStack = {
      state,
      serviceEnv,
      producer,
      processes,
      probeAlerts: [],
      runId: Date.now().toString(36),
      ...(proxy ? { proxy: proxy.control } : {}),
    };
    for (const s of state.services) (processes[s.name] ??= []).push(s.pid);
    processes['kafka'] = [...state.kafka.pids];
    if (state.redis.pid !== undefined) processes['redis'] = [state.redis.pid];
    processes['schema-registry'] = [state.registry.pid];
    const ingestion = state.services.find((s) => s.name === 'ingestion')!;
    let result;
    try {
      result = await runChaos(
        stack,
        plan,
        {
          rate: args.rate,
          httpShare: args.httpShare,
          tailSeconds: Math.max(20, args.gapSeconds),
          maxSeconds: seconds * 3,
          drainSeconds: args.drainSeconds,
          sampleMs: 1000,
          probeAlerts: 2,
        },
        { url: `http://127.0.0.1:${ingestion.port}/v1/events`, apiKey: DEV_API_KEY },
        log,
      );
    } finally {
      await producer.close();
    }
    const context = currentContext(started);
    const command = `npm run chaos -- ${argv.join(' ')}`.trim();
    const reportDir = join(repoRoot, '.tidewater', 'reports');
    mkdirSync(reportDir, { recursive: true });
    const reportFile = join(reportDir, `pipeline-chaos-${started.toISOString().replace(/[:.]/g, '-')}.html`);
    const state2 = stack.state;
    const line = {
      bench: 'pipeline-chaos',
      seed: args.seed,
      kafka: state2.kafka.kind === 'apache' ? `apache ${state2.kafka.version}` : 'mock',
      kafka_brokers: args.kafkaBrokers,
      inference_workers: args.inferenceWorkers,
      http_share: args.httpShare,
      short: args.short,
      ...result.figures,
      cpus: cpus().length,
      loadavg_1m: Math.round(loadavg()[0]! * 100) / 100,
      report: relative(repoRoot, reportFile),
    };
    writeFileSync(
      reportFile,
      renderReport({
        title: `Tidewater pipeline under faults, ${started.toISOString()}`,
        about: [
          `command: ${command}`,
          `commit ${context.commit}${context.dirty ? ' (with uncommitted changes)' : ''}, ${context.machine.cpus} × ${context.machine.cpu_model}, node ${context.machine.node}`,
          `Kafka: ${line.kafka}, ${args.kafkaBrokers} node(s); inference workers: ${args.inferenceWorkers}; ${args.httpShare * 100}% of events over HTTP; seed ${args.seed}`,
          'Latency counts from each event’s scheduled send time to its prediction’s predicted_at, bucketed by completion; dashed lines mark the faults.',
          'Recovery: from a fault’s start until five consecutive seconds have p99 within 1.5 × its pre-fault level + 100 ms.',
        ],
        summary: { steps: [], ...line },
        series: result.series,
        tables: [{ title: 'Faults', rows: line.faults.map((f) => ({ ...f, error: f.error ?? '' })) }],
      }),
    );
    log(`report: ${line.report}`);
    printBenchResult(JSON.stringify(line));
    if (line.lost > 0) process.exitCode = 1;
  } finally {
    log('stopping the stack...');
    await stackDown(dir);
    await proxy?.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
