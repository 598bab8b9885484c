/**
 * Kafka's own performance tools (`kafka-producer-perf-test` and `kafka-consumer-perf-test`, i.e.
 * org.apache.kafka.tools.ProducerPerformance and ConsumerPerformance), run from the jars the dev
 * stack's broker runs from, with the Java client of the same version. Their figures are their own:
 * each tool times itself, so the JVM's start-up is not in them.
 */
import { spawn } from 'node:child_process';
import { apacheKafkaClasspath, apacheKafkaLog4j } from '@tidewater/dev-kafka';

/** The JVM flags every tool run gets: a modest heap, and the dev stack's log4j2 file at WARN (INFO lines would go to stdout). */
function javaArgs(mainClass: string, args: readonly string[]): string[] {
  return [
    '-Xmx512m',
    '-cp',
    apacheKafkaClasspath(),
    `-Dlog4j2.configurationFile=${apacheKafkaLog4j}`,
    '-Dtidewater.kafka.logLevel=WARN',
    mainClass,
    ...args,
  ];
}

async function runTool(mainClass: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('java', javaArgs(mainClass, args), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString('utf8')).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${mainClass} exited with ${code ?? signal}: ${(err || out).trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
}

export interface JavaProducerResult {
  /** Steady-state records/s (after the warm-up records) as the tool printed it. */
  readonly msgsPerS: number;
  readonly mbPerS: number;
  readonly avgLatencyMs: number;
  readonly p99LatencyMs: number;
  /** The tool's summary line. */
  readonly line: string;
}

/**
 * ProducerPerformance: `records` records of `recordSize` bytes (null keys), unthrottled, acks=all (the
 * Java client's default since 3.0, with idempotence), its other settings the client's defaults
 * unless `props` says otherwise.
 */
export async function javaProducerPerf(opts: {
  bootstrap: string;
  topic: string;
  records: number;
  recordSize: number;
  warmupRecords: number;
  /** Producer settings on top of acks=all (e.g. batch.size, linger.ms). */
  props?: Record<string, string | number>;
  timeoutMs?: number;
}): Promise<JavaProducerResult> {
  const out = await runTool(
    'org.apache.kafka.tools.ProducerPerformance',
    [
      '--bootstrap-server',
      opts.bootstrap,
      '--topic',
      opts.topic,
      '--num-records',
      String(opts.records),
      '--warmup-records',
      String(opts.warmupRecords),
      '--record-size',
      String(opts.recordSize),
      '--throughput',
      '-1',
      '--reporting-interval',
      '600000',
      '--command-property',
      'acks=all',
      'client.id=tidewater-bench-kafka',
      ...Object.entries(opts.props ?? {}).map(([k, v]) => `${k}=${v}`),
    ],
    opts.timeoutMs ?? 300_000,
  );
  return parseProducerPerformance(out);
}

/**
 * ProducerPerformance's summary: the steady-state line when there were warm-up records, else the
 * total, e.g. "350000 steady state records sent, 71312.14 records/sec (14.42 MB/sec), 230.78 ms avg
 * latency, 594.00 ms max latency, 202 ms 50th, 490 ms 95th, 563 ms 99th, 587 ms 99.9th."
 */
export function parseProducerPerformance(out: string): JavaProducerResult {
  const lines = out.split('\n');
  const line = lines.find((l) => l.includes('steady state records sent')) ?? lines.find((l) => / records sent, /.test(l));
  const m = line && /records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency.* ([\d.]+) ms 99th/.exec(line);
  if (!line || !m) throw new Error(`ProducerPerformance printed no summary: ${out.slice(-500)}`);
  return { msgsPerS: Number(m[1]), mbPerS: Number(m[2]), avgLatencyMs: Number(m[3]), p99LatencyMs: Number(m[4]), line: line.trim() };
}

export interface JavaConsumerResult {
  /** Records/s over the fetch time (fetch.nMsg.sec): the group join is not in it. */
  readonly msgsPerS: number;
  readonly mbPerS: number;
  readonly rebalanceMs: number;
  readonly fetchMs: number;
}

/** ConsumerPerformance: a new group reads `records` records of `topic` from the beginning, the consumer's default settings. */
export async function javaConsumerPerf(opts: {
  bootstrap: string;
  topic: string;
  records: number;
  group: string;
  timeoutMs?: number;
}): Promise<JavaConsumerResult> {
  const out = await runTool(
    'org.apache.kafka.tools.ConsumerPerformance',
    ['--bootstrap-server', opts.bootstrap, '--topic', opts.topic, '--num-records', String(opts.records), '--group', opts.group],
    opts.timeoutMs ?? 300_000,
  );
  return parseConsumerPerformance(out, opts.records);
}

/** ConsumerPerformance's result: a header line of column names, then one line of values; fails if fewer than `records` were read. */
export function parseConsumerPerformance(out: string, records: number): JavaConsumerResult {
  const lines = out.split('\n').map((l) => l.trim());
  const header = lines.findIndex((l) => l.startsWith('start.time'));
  if (header < 0 || !lines[header + 1]) throw new Error(`ConsumerPerformance printed no result: ${out.slice(-500)}`);
  const names = lines[header]!.split(',').map((s) => s.trim());
  const values = lines[header + 1]!.split(',').map((s) => s.trim());
  const field = (name: string) => {
    const i = names.indexOf(name);
    if (i < 0) throw new Error(`ConsumerPerformance printed no ${name} column: ${lines[header]}`);
    return Number(values[i]);
  };
  const consumed = field('data.consumed.in.nMsg');
  if (!(consumed >= records)) throw new Error(`ConsumerPerformance read ${consumed} of ${records} records`);
  return {
    msgsPerS: field('fetch.nMsg.sec'),
    mbPerS: field('fetch.MB.sec'),
    rebalanceMs: field('rebalance.time.ms'),
    fetchMs: field('fetch.time.ms'),
  };
}
