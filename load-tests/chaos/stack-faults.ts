/**
 * Carries out one planned fault against a running dev stack: SIGKILL (or stop) a part, wait, start
 * it again on the same port and data, and record when it was back. The stack's state file follows
 * every restart, so `npm run stack -- down` still stops the new processes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { processAlive, restartApacheKafkaNode } from '@tidewater/dev-kafka';
import { restartRedis, restartRegistry, restartService, stackFiles, writeStackState, type StackState } from '@tidewater/dev-stack';
import { createAvroEncoder, type TidewaterProducer } from '@tidewater/kafka';
import { alertFingerprint, loadSchema, type Alert } from '@tidewater/schemas';
import type { PlannedFault } from './fault-plan.js';

/** The stack as it changes under the run, and what the faults need beside it. */
export interface ChaosStack {
  state: StackState;
  /** Environment a service was started with beyond the stack's endpoints, by service name. */
  readonly serviceEnv: Record<string, Record<string, string>>;
  readonly producer: TidewaterProducer;
  /** Processes the sampler meters, updated in place when a pid changes. */
  readonly processes: Record<string, number[]>;
  /** Names of the probe alerts sent, for the alert accounting. */
  readonly probeAlerts: string[];
  readonly runId: string;
  /** Heals and opens the fault proxy between one service and Kafka, when the run has one. */
  readonly proxy?: {
    latency(ms: number): Promise<void>;
    cut(): Promise<void>;
    heal(): Promise<void>;
  };
}

/** When a fault started and when the part was back (or healed), epoch ms; an error when it did not come back. */
export interface FaultOutcome {
  readonly startMs: number;
  readonly endMs: number;
  readonly error?: string;
}

async function kill(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (pid === undefined || !processAlive(pid)) return;
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
  // A stopped broker takes a few seconds of controlled shutdown; never more than a minute.
  const deadline = Date.now() + 60_000;
  while (processAlive(pid) && Date.now() < deadline) await sleep(20);
  if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  while (processAlive(pid)) await sleep(20);
}

function save(stack: ChaosStack, next: StackState): void {
  stack.state = next;
  writeStackState(next);
  const byName: Record<string, number[]> = {};
  for (const s of next.services) (byName[s.name] ??= []).push(s.pid);
  Object.assign(stack.processes, byName, { kafka: [...next.kafka.pids] });
  if (next.redis.pid !== undefined) stack.processes['redis'] = [next.redis.pid];
  stack.processes['schema-registry'] = [next.registry.pid];
}

async function killAndRestartService(stack: ChaosStack, target: string): Promise<void> {
  const [name, instance] = /^inference-\d+$/.test(target) ? ['inference', Number(target.split('-')[1])] : [target, 0];
  const service = stack.state.services.find((s) => s.name === name && (s.instance ?? 0) === instance);
  if (!service) throw new Error(`the stack runs no ${target}`);
  await kill(service.pid);
  const next = await restartService(stack.state, service, stack.serviceEnv[name]);
  save(stack, { ...stack.state, services: stack.state.services.map((s) => (s === service ? next : s)) });
}

async function killAndRestartBroker(stack: ChaosStack, target: string, downMs: number, signal: NodeJS.Signals): Promise<void> {
  const nodeId = Number(target.split('-')[1]);
  const k = stack.state.kafka;
  await kill(k.pids[nodeId - 1], signal);
  if (downMs > 0) await sleep(downMs);
  const pid = await restartApacheKafkaNode({
    dir: stackFiles(stack.state.dir).kafka,
    nodeId,
    nodes: k.pids.length,
    bootstrapServers: k.bootstrapServers,
    logFile: k.logFiles[nodeId - 1]!,
  });
  save(stack, { ...stack.state, kafka: { ...k, pids: k.pids.map((p, i) => (i === nodeId - 1 ? pid : p)) } });
}

/** Firing probe alerts, one alert name each, as drift-monitor would produce them onto `alerts`. */
export async function sendProbeAlerts(stack: ChaosStack, count: number): Promise<void> {
  const registry = new SchemaRegistryClient({ baseURLs: [stack.state.registry.url] });
  const encoder = await createAvroEncoder<Alert>({ registry, subject: 'alerts-value', schema: loadSchema('alert'), autoRegister: true });
  const records = [];
  for (let i = 0; i < count; i++) {
    const alertname = `ChaosProbe_${stack.runId}_${stack.probeAlerts.length}`;
    stack.probeAlerts.push(alertname);
    const labels = { alertname, severity: 'warning', model: 'fraud-demo', model_version: 'chaos' };
    const alert: Alert = {
      fingerprint: alertFingerprint(labels),
      status: 'firing',
      labels,
      annotations: { summary: 'chaos run probe alert', description: 'sent while Slack refuses messages' },
      starts_at: Date.now(),
      ends_at: null,
      source: 'chaos',
      generator_url: null,
    };
    records.push({ key: Buffer.from(alert.fingerprint), value: encoder.encode(alert) });
  }
  await stack.producer.send('alerts', records);
}

/** Runs `fault` to its end; never throws: a part that does not come back is the run's finding. */
export async function runFault(stack: ChaosStack, fault: PlannedFault): Promise<FaultOutcome> {
  const startMs = Date.now();
  const ms = fault.duration_s * 1000;
  try {
    switch (fault.kind) {
      case 'inference-kill':
      case 'service-kill':
        await killAndRestartService(stack, fault.target);
        break;
      case 'broker-kill':
        await killAndRestartBroker(stack, fault.target, ms, 'SIGKILL');
        break;
      case 'broker-stop':
        await killAndRestartBroker(stack, fault.target, ms, 'SIGTERM');
        break;
      case 'redis-kill': {
        await kill(stack.state.redis.pid);
        await sleep(ms);
        const redis = await restartRedis(stack.state.dir, stack.state.redis);
        save(stack, { ...stack.state, redis });
        break;
      }
      case 'registry-down': {
        await kill(stack.state.registry.pid);
        await sleep(ms);
        const registry = await restartRegistry(stack.state.dir, stack.state.registry);
        save(stack, { ...stack.state, registry });
        break;
      }
      case 'slack-refusing': {
        const phases = [
          { status: 429, retryAfterS: 5, ms: ms / 2 },
          { status: 503, ms: ms / 2 },
        ];
        const res = await fetch(new URL('faults', stack.state.slack.url), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ phases }),
        });
        if (!res.ok) throw new Error(`the Slack capture refused the fault: ${res.status}`);
        await sendProbeAlerts(stack, 3);
        await sleep(ms / 2);
        await sendProbeAlerts(stack, 3);
        await sleep(ms / 2);
        break;
      }
      case 'kafka-latency':
        if (!stack.proxy) throw new Error('no fault proxy');
        await stack.proxy.latency(500);
        await sleep(ms);
        await stack.proxy.heal();
        break;
      case 'kafka-cut':
        if (!stack.proxy) throw new Error('no fault proxy');
        await stack.proxy.cut();
        await sleep(ms);
        await stack.proxy.heal();
        break;
    }
    return { startMs, endMs: Date.now() };
  } catch (err) {
    return { startMs, endMs: Date.now(), error: err instanceof Error ? err.message : String(err) };
  }
}
