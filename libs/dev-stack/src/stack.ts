import { mkdirSync, rmSync } from 'node:fs';
import { httpOk, isAlive, stopProcess } from './detached-process.js';
import { stackErrors } from './errors.js';
import { kafkaAnswers, redisAnswers, startKafka, startRedis, startRegistry, startSlack } from './infrastructure.js';
import { otelEnv, startObservability, stopObservability, writeScrapeTargets } from './observability.js';
import { serviceNames, startServices } from './pipeline-services.js';
import { stopKafkaNodes } from '@tidewater/dev-kafka';
import { APICURIO_CCOMPAT_PATH } from '@tidewater/dev-schema-registry';
import { readStackState, stackDir, stackFiles, writeStackState, type KafkaKind, type StackState } from './stack-layout.js';

export interface StackUpOptions {
  readonly dir?: string;
  /** Apache Kafka (default) or librdkafka's mock cluster, for fault injection. */
  readonly kafka?: KafkaKind;
  /** Kafka nodes: default 1 for Apache Kafka, 3 for the mock. */
  readonly brokers?: number;
  readonly services?: boolean;
  /** Also Prometheus (with the shipped rules), Alertmanager and Jaeger; the services send them metrics, alerts and traces. */
  readonly observability?: boolean;
  readonly inferenceWorkers?: number;
  /** Settings for the services (window sizes, topic names) on top of the stack's endpoints. */
  readonly serviceEnv?: Record<string, string>;
  /** Start from empty registry state (tests). */
  readonly fresh?: boolean;
  /** Progress lines (a first run's jar download). */
  readonly log?: (line: string) => void;
  /** Apache Kafka node 1's second listener, advertised at a TCP fault proxy's port (chaos runs). */
  readonly kafkaProxiedListener?: { readonly port: number; readonly advertisedPort: number };
}

/** Kafka's pids; a stack.json written before Apache Kafka (one mock launcher) has `pid` instead. */
function kafkaPids(state: StackState): readonly number[] {
  const legacy = (state.kafka as { pid?: number }).pid;
  return state.kafka.pids ?? (legacy === undefined ? [] : [legacy]);
}

/** Whether the stack recorded in `dir` is still running (a Kafka process of it is alive). */
export function runningStack(dir?: string): StackState | undefined {
  const state = readStackState(stackDir(dir));
  return state && kafkaPids(state).some((pid) => isAlive(pid)) ? state : undefined;
}

/**
 * Starts Kafka (mock cluster), the dev schema registry, Redis and the Slack capture in the
 * background, optionally the five services, writes stack.json and stack.env, and returns once
 * every part is ready. A part that fails stops the parts already started.
 */
export async function stackUp(opts: StackUpOptions = {}): Promise<StackState> {
  const dir = stackDir(opts.dir);
  if (runningStack(dir)) throw stackErrors.create('TW_STACK_ALREADY_UP', `a stack is already running in ${dir}`);
  if (opts.fresh) rmSync(stackFiles(dir).registryState, { force: true });
  mkdirSync(stackFiles(dir).logs, { recursive: true });
  const partial: { -readonly [K in 'kafka' | 'registry' | 'redis' | 'slack']?: StackState[K] } = {};
  try {
    const kind = opts.kafka ?? 'apache';
    partial.kafka = await startKafka(dir, kind, opts.brokers ?? (kind === 'apache' ? 1 : 3), opts.log, opts.kafkaProxiedListener);
    // allSettled, so a part that did start is recorded (and stopped below) when another fails.
    const [registry, redis, slack] = await Promise.allSettled([startRegistry(dir), startRedis(dir), startSlack(dir)]);
    if (registry.status === 'fulfilled') partial.registry = registry.value;
    if (redis.status === 'fulfilled') partial.redis = redis.value;
    if (slack.status === 'fulfilled') partial.slack = slack.value;
    for (const part of [registry, redis, slack]) if (part.status === 'rejected') throw part.reason;
    if (!partial.registry || !partial.redis || !partial.slack)
      throw stackErrors.create('TW_STACK_START_FAILED', 'a part of the stack did not start');
    const infra = {
      dir,
      startedAt: new Date().toISOString(),
      kafka: partial.kafka,
      registry: partial.registry,
      redis: partial.redis,
      slack: partial.slack,
    };
    writeStackState({ ...infra, services: [] });
    const observability = opts.observability
      ? await startObservability(dir, partial.slack.url, opts.log).catch(async (err: unknown) => {
          await stackDown(dir);
          throw err;
        })
      : undefined;
    const base = observability ? { ...infra, observability } : infra;
    writeStackState({ ...base, services: [] });
    if (!opts.services) return { ...base, services: [] };
    const extraEnv = { ...(observability ? otelEnv(observability) : {}), ...opts.serviceEnv };
    const services = await startServices(base, { inferenceWorkers: opts.inferenceWorkers ?? 1, extraEnv }).catch(async (err: unknown) => {
      await stackDown(dir);
      throw err;
    });
    if (observability) writeScrapeTargets(dir, services);
    const state: StackState = { ...base, services };
    writeStackState(state);
    return state;
  } catch (err) {
    await Promise.all([partial.registry?.pid, partial.redis?.pid, partial.slack?.pid].map((pid) => stopProcess(pid, 3000)));
    if (partial.kafka) await stopKafkaNodes(partial.kafka.pids, 3000);
    throw err;
  }
}

/** Adds the services to a running stack (for `up --services` after a plain `up`). */
export async function startStackServices(opts: {
  dir?: string;
  inferenceWorkers?: number;
  serviceEnv?: Record<string, string>;
}): Promise<StackState> {
  const state = runningStack(opts.dir);
  if (!state) throw stackErrors.create('TW_STACK_NOT_UP', `no stack is running in ${stackDir(opts.dir)}`);
  const extraEnv = { ...(state.observability ? otelEnv(state.observability) : {}), ...opts.serviceEnv };
  const services = await startServices(state, { inferenceWorkers: opts.inferenceWorkers ?? 1, extraEnv });
  const next = { ...state, services: [...state.services, ...services] };
  if (state.observability) writeScrapeTargets(state.dir, next.services);
  writeStackState(next);
  return next;
}

/** Stops what `up` started: services first (graceful, with their shutdown deadline), then infrastructure. */
export async function stackDown(dir?: string): Promise<{ stopped: string[] }> {
  const state = readStackState(stackDir(dir));
  if (!state) return { stopped: [] };
  const stopped: string[] = [];
  const order = [...state.services].sort((a, b) => serviceNames.indexOf(a.name as never) - serviceNames.indexOf(b.name as never)).reverse();
  // Upstream first, so each service drains what the previous one already produced.
  for (const s of order) if ((await stopProcess(s.pid, 20_000)) !== 'absent') stopped.push(`${s.name}:${s.pid}`);
  stopped.push(...(await stopObservability(state.observability)));
  const infra: [string, number | undefined][] = [
    ['slack-capture', state.slack.pid],
    ['schema-registry', state.registry.pid],
    ['redis', state.redis.pid],
  ];
  for (const [name, pid] of infra) if ((await stopProcess(pid, 5000)) !== 'absent') stopped.push(name);
  // Kafka last, so the services and watchers above leave their groups cleanly; a broker's
  // controlled shutdown takes a few seconds, SIGKILL after 20.
  const live = kafkaPids(state).filter((pid) => isAlive(pid));
  await stopKafkaNodes(live, 20_000);
  if (live.length > 0) stopped.push(`kafka (${state.kafka.kind ?? 'mock'}, ${live.length} ${live.length === 1 ? 'node' : 'nodes'})`);
  writeStackState({ ...state, services: [] });
  rmSync(stackFiles(state.dir).state, { force: true });
  return { stopped };
}

export interface PartStatus {
  readonly part: string;
  readonly pid?: number | undefined;
  readonly endpoint: string;
  readonly ok: boolean;
}

/** Each part with its endpoint and whether it answers now. */
export async function stackStatus(dir?: string): Promise<PartStatus[] | undefined> {
  const state = readStackState(stackDir(dir));
  if (!state) return undefined;
  const probe = async (f: () => Promise<boolean>) => f().catch(() => false);
  const parts: PartStatus[] = [
    {
      part: state.kafka.kind === 'apache' ? `kafka ${state.kafka.version}` : 'kafka (mock)',
      pid: kafkaPids(state)[0],
      endpoint: state.kafka.bootstrapServers.join(','),
      ok: await probe(() => kafkaAnswers(state.kafka)),
    },
    {
      part: 'schema-registry',
      pid: state.registry.pid,
      endpoint: state.registry.url,
      // Apicurio's Confluent-compatible API has no /healthz; its subject list answers once it is up.
      ok: await probe(() =>
        httpOk(`${state.registry.url}${state.registry.url.endsWith(APICURIO_CCOMPAT_PATH) ? '/subjects' : '/healthz'}`),
      ),
    },
    { part: 'redis', pid: state.redis.pid, endpoint: state.redis.url, ok: await redisAnswers(state.redis.url) },
    {
      part: 'slack',
      pid: state.slack.pid,
      endpoint: state.slack.url,
      ok: state.slack.pid === undefined || (await probe(() => httpOk(`${state.slack.url}healthz`))),
    },
  ];
  if (state.observability) {
    const { prometheus, alertmanager, jaeger } = state.observability;
    parts.push(
      { part: 'prometheus', pid: prometheus.pid, endpoint: prometheus.url, ok: await probe(() => httpOk(`${prometheus.url}/-/ready`)) },
      {
        part: 'alertmanager',
        pid: alertmanager.pid,
        endpoint: alertmanager.url,
        ok: await probe(() => httpOk(`${alertmanager.url}/-/ready`)),
      },
      { part: 'jaeger', pid: jaeger.pid, endpoint: jaeger.url, ok: await probe(() => httpOk(`${jaeger.url}/api/services`)) },
    );
  }
  for (const s of state.services) {
    parts.push({
      part: s.name,
      pid: s.pid,
      endpoint: `http://127.0.0.1:${s.port}`,
      ok: await probe(() => httpOk(`http://127.0.0.1:${s.port}/readyz`)),
    });
  }
  return parts;
}
