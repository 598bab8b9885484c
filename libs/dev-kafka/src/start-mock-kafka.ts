import type { ChildProcess } from 'node:child_process';
import { devKafkaErrors } from './errors.js';
import { launchAttached, launchDetached, terminate } from './launcher-process.js';
import { ensureMockClusterBinary } from './mock-cluster-binary.js';
import { type MockKafkaControl, connectMockKafkaControl } from './mock-kafka-control.js';

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** A topic to create at start; a topics-manifest entry fits as is. */
export interface MockKafkaTopic {
  name: string;
  partitions: number;
}

/** Options of {@link startMockKafka}. */
export interface StartMockKafkaOptions {
  /** Number of mock brokers, ids 1..N (default 3). Topics get replication factor min(3, N). */
  brokers?: number;
  topics: readonly MockKafkaTopic[];
  /** Control port on 127.0.0.1; 0 or absent picks a free one. */
  controlPort?: number;
  /**
   * Keep the cluster running after this process exits (for `stack up`). Readiness is then read
   * from a `--ready-file` and output goes to `logFile` (default: a file in a new temp dir).
   */
  detached?: boolean;
  /** File the launcher's output is appended to. */
  logFile?: string;
  /** How long to wait for the launcher to report ready (default 20000 ms). */
  startTimeoutMs?: number;
}

/** A running mock cluster. */
export interface MockKafka {
  /** `host:port` of every broker, for `brokers` / `bootstrap.servers`. */
  readonly bootstrapServers: string[];
  readonly controlPort: number;
  readonly pid: number;
  /** The launcher's output file, when there is one. */
  readonly logFile: string | undefined;
  /** Fault injection and topic commands, already connected. */
  readonly control: MockKafkaControl;
  /** Closes the control connection and stops the launcher (SIGTERM, then SIGKILL). Idempotent. */
  stop(): Promise<void>;
}

function validate(opts: StartMockKafkaOptions): void {
  const fail = (message: string) => {
    throw devKafkaErrors.create('TW_DEVKAFKA_INVALID_OPTIONS', message);
  };
  const brokers = opts.brokers ?? 3;
  if (!Number.isInteger(brokers) || brokers < 1 || brokers > 64) fail(`brokers must be 1..64, got ${brokers}`);
  const port = opts.controlPort ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`controlPort must be 0..65535, got ${port}`);
  const seen = new Set<string>();
  for (const t of opts.topics) {
    if (!TOPIC_NAME.test(t.name)) fail(`invalid topic name ${JSON.stringify(t.name)}`);
    if (!Number.isInteger(t.partitions) || t.partitions < 1 || t.partitions > 100_000) {
      fail(`topic ${t.name}: partitions must be 1..100000, got ${t.partitions}`);
    }
    if (seen.has(t.name)) fail(`topic ${t.name} is listed twice`);
    seen.add(t.name);
  }
}

function launcherArgs(opts: StartMockKafkaOptions): string[] {
  const args = ['--brokers', String(opts.brokers ?? 3), '--control-port', String(opts.controlPort ?? 0)];
  for (const t of opts.topics) args.push('--topic', `${t.name}:${t.partitions}`);
  return args;
}

/**
 * Starts librdkafka's mock cluster (building the launcher on first use) with the given topics
 * and returns once its brokers and control port accept connections.
 */
export async function startMockKafka(opts: StartMockKafkaOptions): Promise<MockKafka> {
  validate(opts);
  const binary = await ensureMockClusterBinary();
  const launch = opts.detached === true ? launchDetached : launchAttached;
  const { child, ready, logFile } = await launch({
    binary,
    args: launcherArgs(opts),
    logFile: opts.logFile,
    timeoutMs: opts.startTimeoutMs ?? 20_000,
  });
  let control: MockKafkaControl;
  try {
    control = await connectMockKafkaControl(ready.controlPort);
  } catch (err) {
    await terminate(child, 0);
    throw err;
  }
  return runningCluster(child, ready.bootstrap.split(','), ready.controlPort, ready.pid, logFile, control);
}

function runningCluster(
  child: ChildProcess,
  bootstrapServers: string[],
  controlPort: number,
  pid: number,
  logFile: string | undefined,
  control: MockKafkaControl,
): MockKafka {
  let stopping: Promise<void> | undefined;
  return {
    bootstrapServers,
    controlPort,
    pid,
    logFile,
    control,
    stop() {
      stopping ??= (async () => {
        await control.close();
        await terminate(child);
      })();
      return stopping;
    },
  };
}
