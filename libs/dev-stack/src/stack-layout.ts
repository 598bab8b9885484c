import { existsSync, readFileSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@tidewater/schemas';

/** Where a stack keeps its state, logs and endpoints; TIDEWATER_STACK_DIR moves it (tests use their own). */
export function stackDir(dir?: string): string {
  return dir ?? process.env['TIDEWATER_STACK_DIR'] ?? join(repoRoot, '.tidewater');
}

export interface ServiceState {
  readonly name: string;
  /** Which of a service's processes (inference runs several); 0 when absent. */
  readonly instance?: number | undefined;
  readonly pid: number;
  readonly port: number;
  /** The authenticated API's port (ADMIN_HTTP_PORT), where the service has one. */
  readonly adminPort?: number | undefined;
  /** inference's OIP API port (OIP_HTTP_PORT). */
  readonly oipPort?: number | undefined;
  readonly logFile: string;
}

/** Which Kafka a stack runs: Apache Kafka by default; the mock for injected request errors, RTT and leader moves. */
export type KafkaKind = 'apache' | 'mock';

/** What `stack up` started, so that `status` and `down` (from another process) can find it. */
export interface StackState {
  readonly dir: string;
  readonly startedAt: string;
  readonly kafka: {
    /** Apache Kafka (KRaft, from Maven Central; the default) or librdkafka's mock cluster (fault injection). */
    readonly kind: KafkaKind;
    /** One JVM per Apache Kafka node; the mock cluster is one launcher process. */
    readonly pids: readonly number[];
    readonly bootstrapServers: readonly string[];
    /** The mock cluster's fault-injection port; absent on Apache Kafka. */
    readonly controlPort?: number | undefined;
    readonly logFiles: readonly string[];
    /** Apache Kafka's version, or `mock`. */
    readonly version: string;
  };
  readonly registry: { readonly pid: number; readonly url: string; readonly logFile: string };
  readonly redis: { readonly url: string; readonly pid?: number | undefined; readonly logFile?: string | undefined };
  readonly slack: {
    readonly pid?: number | undefined;
    readonly url: string;
    readonly captureFile?: string | undefined;
    readonly logFile?: string | undefined;
  };
  readonly services: readonly ServiceState[];
  /** `up --observability`: Prometheus with the shipped rules, Alertmanager, and Jaeger for traces. */
  readonly observability?: {
    readonly prometheus: { readonly pid: number; readonly url: string; readonly logFile: string };
    readonly alertmanager: { readonly pid: number; readonly url: string; readonly logFile: string };
    readonly jaeger: { readonly pid: number; readonly url: string; readonly otlpTracesEndpoint: string; readonly logFile: string };
  };
}

export const stackFiles = (dir: string) => ({
  state: join(dir, 'stack.json'),
  env: join(dir, 'stack.env'),
  logs: join(dir, 'logs'),
  kafka: join(dir, 'kafka'),
  registryState: join(dir, 'schema-registry.json'),
  slackCapture: join(dir, 'slack-capture.jsonl'),
});

export function readStackState(dir: string): StackState | undefined {
  const file = stackFiles(dir).state;
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StackState) : undefined;
}

function writeAtomically(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

/** The variables services, tests and scripts read (TIDEWATER_ENV_FILE=<dir>/stack.env). */
export function stackEnv(state: StackState): Record<string, string> {
  const env: Record<string, string> = {
    KAFKA_BROKERS: state.kafka.bootstrapServers.join(','),
    SCHEMA_REGISTRY_URL: state.registry.url,
    REDIS_URL: state.redis.url,
    SLACK_WEBHOOK_URL: state.slack.url,
  };
  if (state.kafka.controlPort !== undefined) env['KAFKA_MOCK_CONTROL_PORT'] = String(state.kafka.controlPort);
  if (state.slack.captureFile) env['SLACK_CAPTURE_FILE'] = state.slack.captureFile;
  if (state.observability) {
    env['PROMETHEUS_URL'] = state.observability.prometheus.url;
    env['ALERTMANAGER_URL'] = state.observability.alertmanager.url;
    env['JAEGER_URL'] = state.observability.jaeger.url;
  }
  const byName = new Map<string, number[]>();
  for (const s of state.services) byName.set(s.name, [...(byName.get(s.name) ?? []), s.port]);
  for (const [name, ports] of byName) {
    const key = `${name.toUpperCase().replace(/-/g, '_')}_HTTP_PORT`;
    env[key] = String(ports[0]);
    if (ports.length > 1) env[`${key}S`] = ports.join(',');
  }
  // The authenticated APIs' ports (issue 17): inference admin and OIP, alerting silences.
  for (const s of state.services) {
    const prefix = s.name.toUpperCase().replace(/-/g, '_');
    if (s.adminPort !== undefined) env[`${prefix}_ADMIN_HTTP_PORT`] ??= String(s.adminPort);
    if (s.oipPort !== undefined) env[`${prefix}_OIP_HTTP_PORT`] ??= String(s.oipPort);
  }
  return env;
}

export function writeStackState(state: StackState): void {
  mkdirSync(state.dir, { recursive: true });
  const files = stackFiles(state.dir);
  writeAtomically(files.state, `${JSON.stringify(state, null, 2)}\n`);
  const env = stackEnv(state);
  writeAtomically(
    files.env,
    `# Written by \`npm run stack -- up\`; read with TIDEWATER_ENV_FILE=${files.env}\n${Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')}\n`,
  );
}
