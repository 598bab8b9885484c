import { join } from 'node:path';
import { repoRoot } from '@tidewater/schemas';
import { freePort, httpOk, isAlive, spawnTypeScript, waitUntil } from './detached-process.js';
import { stackEnv, stackFiles, type ServiceState, type StackState } from './stack-layout.js';

// As in deploy/k8s/base/feature.yaml: a larger young generation, since the feature service allocates per event.
const featureNodeOptions = '--max-semi-space-size=32';

/** The five services in pipeline order; `down` stops them in reverse. */
export const serviceNames = ['alerting', 'drift-monitor', 'inference', 'feature', 'ingestion'] as const;
export type ServiceName = (typeof serviceNames)[number];

/**
 * Starts each service as its own process, given the stack's endpoints in its environment, with
 * `inferenceWorkers` identical inference processes in one consumer group; waits for /readyz.
 * `extraEnv` lets the demo and tests tune settings (window sizes, topic names).
 */
export async function startServices(
  state: Omit<StackState, 'services'>,
  opts: { inferenceWorkers: number; extraEnv?: Record<string, string> },
): Promise<ServiceState[]> {
  const files = stackFiles(state.dir);
  const plan: { name: ServiceName; instance: number }[] = [];
  for (const name of serviceNames) {
    const count = name === 'inference' ? opts.inferenceWorkers : 1;
    for (let i = 0; i < count; i++) plan.push({ name, instance: i });
  }
  const started: ServiceState[] = [];
  for (const { name, instance } of plan) {
    const port = await freePort();
    // Ports of their own for the authenticated APIs too (the defaults, inference's admin 8092 and OIP 8093,
    // alerting's 8094, would collide between inference workers and with another stack on the machine).
    const adminPort = await freePort();
    const oipPort = await freePort();
    const logFile = join(files.logs, instance === 0 ? `${name}.log` : `${name}-${instance}.log`);
    started.push(spawnService(state, { name, instance, port, adminPort, oipPort, logFile }, opts.extraEnv));
  }
  await Promise.all(started.map(serviceReady));
  return started;
}

/**
 * Starts one service of the stack again after it stopped or was killed (chaos runs): same port,
 * log file, client id and environment (`extraEnv` as given to {@link startServices}); resolves with
 * its new pid once /readyz answers.
 */
export async function restartService(
  state: Omit<StackState, 'services'>,
  service: ServiceState,
  extraEnv?: Record<string, string>,
): Promise<ServiceState> {
  const next = spawnService(state, service, extraEnv);
  await serviceReady(next);
  return next;
}

function spawnService(
  state: Omit<StackState, 'services'>,
  s: {
    name: string;
    instance?: number | undefined;
    port: number;
    adminPort?: number | undefined;
    oipPort?: number | undefined;
    logFile: string;
  },
  extraEnv: Record<string, string> | undefined,
): ServiceState {
  const instance = s.instance ?? 0;
  // Windows of 500 predictions let a few thousand demo events show drift firing and resolving.
  const env = {
    ...process.env,
    ...stackEnv({ ...state, services: [] }),
    DRIFT_WINDOW_SIZE: '500',
    // Ingestion's HTTP API accepts the demo key "tidewater-dev-key" (configured as its sha256).
    API_KEYS: 'dev:e21f99df45733a54b5279905a4188cde359715de072df16599f66977ac94bfb4',
    // Alertmanager's pipeline with timers short enough to watch on a laptop.
    ALERTING_CONFIG_FILE: join(repoRoot, 'deploy', 'alerting.dev.yaml'),
    ALERTING_TICK_MS: '200',
    ...extraEnv,
    HTTP_PORT: String(s.port),
    HTTP_HOST: '127.0.0.1',
    ...(s.adminPort !== undefined ? { ADMIN_HTTP_PORT: String(s.adminPort) } : {}),
    ...(s.oipPort !== undefined ? { OIP_HTTP_PORT: String(s.oipPort) } : {}),
    KAFKA_CLIENT_ID: `tidewater-${s.name}-${instance}`,
    ...(s.name === 'feature' ? { NODE_OPTIONS: featureNodeOptions } : {}),
    // Kafka starts empty with every stack; state in a shared Redis must too, so each stack gets its own keys.
    REDIS_KEY_PREFIX: `tw:stack-${Date.parse(state.startedAt)}:${s.name}:`,
  };
  const pid = spawnTypeScript(join(repoRoot, 'services', s.name, 'src/main.ts'), { cwd: repoRoot, env, logFile: s.logFile });
  return {
    name: s.name,
    instance,
    pid,
    port: s.port,
    ...(s.adminPort !== undefined ? { adminPort: s.adminPort } : {}),
    ...(s.oipPort !== undefined ? { oipPort: s.oipPort } : {}),
    logFile: s.logFile,
  };
}

const serviceReady = (s: ServiceState) =>
  waitUntil(
    `${s.name} (log: ${s.logFile})`,
    () => httpOk(`http://127.0.0.1:${s.port}/readyz`),
    90_000,
    () => isAlive(s.pid),
  );
