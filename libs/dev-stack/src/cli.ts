import { parseArgs } from 'node:util';
import { runDemo } from './demo/run-demo.js';
import { stackDir, stackFiles } from './stack-layout.js';
import { runningStack, stackDown, stackStatus, stackUp, startStackServices } from './stack.js';

const usage = `Usage: npm run stack -- <command> [options]

Commands:
  up        start Kafka, schema registry, Redis and the Slack capture in the background
              --services              also start the five services
              --observability         also Prometheus (shipped rules), Alertmanager and Jaeger;
                                      the services send them metrics, platform alerts and traces
              --inference-workers N   number of inference workers (default 1)
              --kafka apache|mock     Apache Kafka in KRaft mode (default), or librdkafka's mock
                                      cluster for injected request errors, RTT and leader moves
              --kafka-brokers N       Kafka nodes (default 1 for Apache Kafka, 3 for the mock)
  status    show each part, its endpoint and whether it answers
  down      stop everything 'up' started
  demo      run the pipeline end to end on generated payments and print what happened
              --events N              number of events (default 4000)

Endpoints are written to .tidewater/stack.env (TIDEWATER_STACK_DIR moves the directory).`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      services: { type: 'boolean', default: false },
      observability: { type: 'boolean', default: false },
      'inference-workers': { type: 'string', default: '1' },
      kafka: { type: 'string', default: 'apache' },
      'kafka-brokers': { type: 'string' },
      events: { type: 'string', default: '4000' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    console.log(usage);
    return command || values.help ? 0 : 1;
  }
  const dir = stackDir();
  const workers = Number(values['inference-workers']);
  switch (command) {
    case 'up': {
      const running = runningStack(dir);
      if (running && values.services && running.services.length === 0) {
        await startStackServices({ inferenceWorkers: workers });
      } else if (running) {
        console.log(`stack already running in ${dir}`);
      } else {
        const kafka = values.kafka;
        if (kafka !== 'apache' && kafka !== 'mock') throw new Error(`--kafka must be apache or mock, got ${kafka}`);
        const started = Date.now();
        const state = await stackUp({
          services: values.services,
          observability: values.observability,
          inferenceWorkers: workers,
          kafka,
          ...(values['kafka-brokers'] === undefined ? {} : { brokers: Number(values['kafka-brokers']) }),
          log: (line) => console.log(line),
        });
        const nodes = state.kafka.pids.length;
        const what = kafka === 'apache' ? `Apache Kafka ${state.kafka.version}, ${nodes} ${nodes === 1 ? 'node' : 'nodes'}` : 'mock Kafka';
        console.log(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${what})\n`);
      }
      await printStatus(dir);
      console.log(`\nendpoints: ${stackFiles(dir).env}`);
      return 0;
    }
    case 'status':
      return (await printStatus(dir)) ? 0 : 1;
    case 'down': {
      const { stopped } = await stackDown(dir);
      console.log(stopped.length ? `stopped: ${stopped.join(', ')}` : 'nothing was running');
      return 0;
    }
    case 'demo':
      return runDemo({ events: Number(values.events), kafka: values.kafka === 'mock' ? 'mock' : 'apache' });
    default:
      console.error(`unknown command ${command}\n\n${usage}`);
      return 1;
  }
}

async function printStatus(dir: string): Promise<boolean> {
  const parts = await stackStatus(dir);
  if (!parts) {
    console.log(`no stack in ${dir}`);
    return false;
  }
  for (const p of parts) console.log(`${p.ok ? 'up  ' : 'DOWN'}  ${p.part.padEnd(16)} ${String(p.pid ?? '-').padEnd(8)} ${p.endpoint}`);
  return parts.every((p) => p.ok);
}

process.exitCode = await main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? `${(err as { code?: string }).code ?? 'error'}: ${err.message}` : err);
  return 1;
});
