import { createKafkaClient, type KafkaAdmin } from '@tidewater/kafka';
import { processCpuSeconds } from '../kafka/process-cpu.js';
import type { CpuSample, LagSample } from './stats.js';

/** Each service's consumer group and the topic it reads (libs/service-runtime/src/topic-names.ts defaults). */
export const serviceGroups: Readonly<Record<string, string>> = {
  'tidewater-ingestion': 'events.raw',
  'tidewater-feature': 'events.valid',
  'tidewater-inference': 'features',
  'tidewater-drift-monitor': 'predictions',
  'tidewater-alerting': 'alerts',
};

/** Every group's lag now: high watermark minus committed offset (from the log start where it committed nothing). */
export async function probeLag(admin: KafkaAdmin, groups: Readonly<Record<string, string>>): Promise<Record<string, number>> {
  const watermarks = new Map<string, Awaited<ReturnType<KafkaAdmin['fetchTopicOffsets']>>>();
  const lag: Record<string, number> = {};
  for (const [group, topic] of Object.entries(groups)) {
    if (!watermarks.has(topic)) watermarks.set(topic, await admin.fetchTopicOffsets(topic));
    const committed = (await admin.fetchOffsets({ groupId: group, topics: [topic] })).find((c) => c.topic === topic)?.partitions ?? [];
    let total = 0;
    for (const w of watermarks.get(topic)!) {
      const c = committed.find((p) => p.partition === w.partition);
      const from = c && Number(c.offset) >= 0 ? Number(c.offset) : Number(w.low);
      total += Math.max(0, Number(w.high) - from);
    }
    lag[group] = total;
  }
  return lag;
}

/**
 * Samples every `intervalMs`: each group's lag through an admin client (the same reading as
 * @tidewater/kafka's consumer-lag probe, kept as data instead of gauges) and each process's
 * cumulative CPU seconds from /proc/<pid>/stat. A failed lag probe is skipped, not fatal.
 */
export function startSampler(opts: {
  brokers: readonly string[];
  processes: Readonly<Record<string, readonly number[]>>;
  intervalMs: number;
}) {
  const admin = createKafkaClient({ brokers: opts.brokers, clientId: 'tidewater-load-lag' }).admin();
  const lag: LagSample[] = [];
  const cpu: CpuSample[] = [];
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const self0 = process.cpuUsage();

  function sampleCpu(): void {
    const seconds: Record<string, number> = {};
    for (const [name, pids] of Object.entries(opts.processes)) seconds[name] = processCpuSeconds(pids);
    const own = process.cpuUsage(self0);
    seconds['load-generator'] = (own.user + own.system) / 1e6;
    cpu.push({ at: Date.now(), seconds });
  }

  async function tick(): Promise<void> {
    sampleCpu();
    const at = Date.now();
    try {
      lag.push({ at, groups: await probeLag(admin, serviceGroups) });
    } catch {
      failures++;
    }
  }

  return {
    lag,
    cpu,
    failures: () => failures,
    async start(): Promise<void> {
      await admin.connect();
      await tick();
      // One probe at a time: a slow admin answer under load delays the next sample instead of piling up.
      const loop = () => {
        if (stopped) return;
        timer = setTimeout(() => {
          running = tick().then(loop);
        }, opts.intervalMs);
      };
      loop();
    },
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await running;
      await admin.disconnect();
    },
  };
}
