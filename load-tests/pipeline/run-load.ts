import { setTimeout as sleep } from 'node:timers/promises';
import { createKafkaClient, createProducer } from '@tidewater/kafka';
import { readRunOutputs, type RunOutputs } from './outputs-reader.js';
import { startSampler } from './probes.js';
import { rawEventSource } from './raw-events.js';
import type { ReportSeries } from './report-html.js';
import { arrivalSchedule, nextRampRate, rampBracket } from './schedule.js';
import { sendSchedule, type SendLog } from './sender.js';
import {
  cpuSeries,
  cpuShares,
  lagSeries,
  lagTrend,
  latencyOverTime,
  ms,
  outstandingBounded,
  percentiles,
  ratePerBucket,
  type Timed,
} from './stats.js';

export interface LoadOptions {
  readonly steps: readonly number[];
  readonly stepSeconds: number;
  readonly ramp: boolean;
  /** At most this many ramp steps after the fixed ones. */
  readonly rampMaxSteps: number;
  readonly httpShare: number;
  /** How long after a step's last send its events may take to reach `predictions` or `events.dlq`. */
  readonly drainSeconds: number;
  readonly sampleMs: number;
  /** A first stretch at the lowest step's rate, left out of the figures (0: none). */
  readonly warmupSeconds: number;
}

/** Where the running stack is and which processes to meter. */
export interface LoadTarget {
  readonly brokers: readonly string[];
  readonly registryUrl: string;
  readonly ingestionUrl: string;
  readonly apiKey: string;
  readonly processes: Readonly<Record<string, readonly number[]>>;
}

/** Backlog (records, all groups) under which the next step may start, and the longest wait for it. */
const SETTLED_LAG = 500;
const SETTLE_MS = 60_000;
const totalLag = (s: { groups: Readonly<Record<string, number>> } | undefined) =>
  s ? Object.values(s.groups).reduce((a, b) => a + b, 0) : 0;

const STAGES = ['sender', 'ingest', 'feature', 'inference', 'deliver'] as const;
type Stage = (typeof STAGES)[number];

const summary = (values: readonly number[]) => {
  const p = percentiles(values);
  return { p50_ms: ms(p.p50), p95_ms: ms(p.p95), p99_ms: ms(p.p99), max_ms: ms(p.max) };
};

/** One step's figures, as they go in the JSON line. */
export type StepResult = ReturnType<typeof stepResult>;

interface StepRun {
  readonly kind: 'warmup' | 'step' | 'ramp';
  readonly rate: number;
  readonly seconds: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly prefix: string;
  readonly at: (seq: number) => number;
  readonly count: number;
  readonly httpCount: number;
  readonly log: SendLog;
}

function stepResult(run: StepRun, out: RunOutputs, sampler: ReturnType<typeof startSampler>, points: Timed[]) {
  const e2e: number[] = [];
  const stages: Record<Stage, number[]> = { sender: [], ingest: [], feature: [], inference: [], deliver: [] };
  let dlq = 0;
  let lost = 0;
  // When each event was accounted for (its prediction or dead letter read), NaN if never.
  const accountedAt = new Float64Array(run.count).fill(Number.NaN);
  // When each event was due: outstanding counts from there, as latency does (a generator running late
  // must not hide a backlog by not having sent it yet).
  const arrivedAt = new Float64Array(run.count);
  for (let seq = 0; seq < run.count; seq++) {
    const id = `${run.prefix}${seq}`;
    const s = out.scored.get(id);
    const at = run.at(seq);
    arrivedAt[seq] = at;
    accountedAt[seq] = s?.receivedAt ?? out.deadLettered.get(id) ?? Number.NaN;
    if (s) {
      const sent = run.log.sentAt[seq]!;
      e2e.push(s.receivedAt - at);
      points.push({ at: s.receivedAt, ms: s.receivedAt - at });
      // Consecutive hops, so the stages add up to the end-to-end latency.
      stages.sender.push(sent - at);
      stages.ingest.push(s.ingestedAt - sent);
      stages.feature.push(s.featureAt - s.ingestedAt);
      stages.inference.push(s.predictedAt - s.featureAt);
      stages.deliver.push(s.receivedAt - s.predictedAt);
    } else if (out.deadLettered.has(id)) dlq++;
    else lost++;
  }
  const kept = outstandingBounded({ arrivedAt, accountedAt, rate: run.rate, from: run.startMs, to: run.endMs });
  const lag = lagTrend(sampler.lag, run.startMs, run.endMs);
  const p = percentiles(e2e);
  // Output rate over the step's second half, once the pipeline has had time to reach its pace.
  const mid = run.startMs + (run.endMs - run.startMs) / 2;
  let outHalf = 0;
  for (const s of out.scored.values()) if (s.receivedAt >= mid && s.receivedAt < run.endMs) outHalf++;
  return {
    kind: run.kind,
    rate: run.rate,
    seconds: run.seconds,
    sent: run.count,
    sent_http: run.httpCount,
    http_failed: run.log.httpFailed,
    scored: e2e.length,
    dlq,
    lost,
    sustained: kept.bounded && lost === 0,
    e2e_p50_ms: ms(p.p50),
    e2e_p95_ms: ms(p.p95),
    e2e_p99_ms: ms(p.p99),
    e2e_max_ms: ms(p.max),
    stages: Object.fromEntries(STAGES.map((st) => [st, summary(stages[st])])) as Record<Stage, ReturnType<typeof summary>>,
    out_events_per_s: Math.round(outHalf / ((run.endMs - mid) / 1000)),
    // Sent, neither predicted nor dead-lettered yet, at the step's end; its growth over the second half.
    end_outstanding: kept.endOutstanding,
    outstanding_growth_per_s: Math.round(kept.growthPerS),
    // Committed-offset lag, for information: with a commit interval it includes up to an interval
    // of processed records per group.
    lag_growth_per_s: Math.round(lag.growthPerS),
    end_lag: lag.endLag,
    // Which group a backlog sat in: the hop that could not keep up.
    end_lag_by_group: sampler.lag.filter((l) => l.at <= run.endMs).at(-1)?.groups ?? {},
    cpu: cpuShares(sampler.cpu, run.startMs, run.endMs),
  };
}

/**
 * Runs the steps (then the ramp) against a running pipeline: for each, a fixed schedule sent open
 * loop, then up to `drainSeconds` for its events to come out; figures per step and series for the report.
 */
export async function runLoad(target: LoadTarget, opts: LoadOptions, progress: (line: string) => void) {
  const runId = Date.now().toString(36);
  const reader = readRunOutputs({
    brokers: target.brokers,
    registryUrl: target.registryUrl,
    idPrefix: `load-${runId}-`,
    topics: { predictions: 'predictions', dlq: 'events.dlq' },
  });
  const sampler = startSampler({ brokers: target.brokers, processes: target.processes, intervalMs: opts.sampleMs });
  const producer = createProducer({ kafka: createKafkaClient({ brokers: target.brokers, clientId: 'tidewater-load' }) });
  const source = rawEventSource({ runId });
  const results: (StepResult & { start_lag: number; scored_after_drain: number })[] = [];
  const stepIds: { prefix: string; count: number }[] = [];
  const points: Timed[] = [];
  const sentTimes: number[] = [];
  const markers: ReportSeries['steps'] = [];
  await Promise.all([reader.start(), sampler.start(), producer.start()]);
  const t0 = Date.now();
  let eventNo = 0;
  let stepNo = 0;
  try {
    const runStep = async (kind: 'warmup' | 'step' | 'ramp', rate: number, seconds = opts.stepSeconds) => {
      const k = stepNo++;
      const prefix = `load-${runId}-${k}-`;
      // A step starts once the previous one's backlog is worked off (or SETTLE_MS passed), so it measures its own rate.
      const settleFrom = Date.now();
      while (Date.now() - settleFrom < SETTLE_MS && totalLag(sampler.lag.at(-1)) > SETTLED_LAG) await sleep(500);
      const startLag = totalLag(sampler.lag.at(-1));
      const startMs = Date.now() + 200;
      const schedule = arrivalSchedule({ rate, seconds, startMs, httpShare: opts.httpShare });
      const base = eventNo;
      eventNo += schedule.length;
      markers.push({ t: (startMs - t0) / 1000, label: `${kind} ${rate}/s` });
      progress(`${kind} ${k + 1}: ${rate} events/s for ${seconds} s (${schedule.length} events)`);
      const log = await sendSchedule(schedule, {
        producer,
        topic: 'events.raw',
        httpUrl: target.ingestionUrl,
        apiKey: target.apiKey,
        event: (seq, at) => source.event(base + seq, `${prefix}${seq}`, at),
      });
      for (const t of log.sentAt) sentTimes.push(t);
      const endMs = startMs + seconds * 1000;
      const accounted = () => {
        let n = 0;
        for (let seq = 0; seq < schedule.length; seq++)
          if (reader.outputs.scored.has(`${prefix}${seq}`) || reader.outputs.deadLettered.has(`${prefix}${seq}`)) n++;
        return n;
      };
      for (const deadline = Date.now() + opts.drainSeconds * 1000; Date.now() < deadline && accounted() < schedule.length;)
        await sleep(500);
      const r = stepResult(
        {
          kind,
          rate,
          seconds: seconds,
          startMs,
          endMs,
          prefix,
          at: (seq) => schedule[seq]!.at,
          count: schedule.length,
          httpCount: schedule.filter((e) => e.http).length,
          log,
        },
        reader.outputs,
        sampler,
        points,
      );
      if (kind === 'warmup') return;
      results.push({ ...r, start_lag: startLag, scored_after_drain: 0 });
      stepIds.push({ prefix, count: schedule.length });
      progress(
        `  scored ${r.scored}, dlq ${r.dlq}, lost ${r.lost}; e2e p50 ${r.e2e_p50_ms} ms, p99 ${r.e2e_p99_ms} ms, max ${r.e2e_max_ms} ms; ` +
          `out ${r.out_events_per_s}/s; outstanding at end ${r.end_outstanding} (growth ${r.outstanding_growth_per_s}/s); ` +
          `end lag ${r.end_lag}; ${r.sustained ? 'sustained' : 'NOT sustained'}`,
      );
    };
    // JIT and first fetches of every service and of Kafka, at the lowest rate, not counted.
    if (opts.warmupSeconds > 0) await runStep('warmup', Math.min(...opts.steps), opts.warmupSeconds);
    for (const rate of opts.steps) await runStep('step', rate);
    for (let n = 0; opts.ramp && n < opts.rampMaxSteps; n++) {
      const { lo, hi } = rampBracket(results);
      const next = nextRampRate(lo, hi);
      if (next === undefined || results.some((r) => r.rate === next)) break;
      await runStep('ramp', next);
    }
    // Events counted lost that arrived after their step's drain deadline, by the end of the run.
    stepIds.forEach(({ prefix, count }, i) => {
      let late = 0;
      for (let seq = 0; seq < count; seq++) if (reader.outputs.scored.has(`${prefix}${seq}`)) late++;
      results[i] = { ...results[i]!, scored_after_drain: late - results[i]!.scored };
    });
  } finally {
    await producer.close();
    await sampler.stop();
    await reader.stop();
  }
  const tEnd = Date.now();
  const series: ReportSeries = {
    latency: latencyOverTime(points, t0, 1000),
    throughput: {
      t: ratePerBucket([], t0, tEnd, 1000).map((_, i) => i + 1),
      sent: ratePerBucket(sentTimes, t0, tEnd, 1000),
      scored: ratePerBucket(
        [...reader.outputs.scored.values()].map((s) => s.receivedAt),
        t0,
        tEnd,
        1000,
      ),
    },
    lag: lagSeries(sampler.lag, t0),
    cpu: cpuSeries(sampler.cpu, t0),
    steps: markers,
  };
  const sustained = results.filter((r) => r.sustained).map((r) => r.rate);
  return {
    steps: results,
    max_sustained_events_per_s: sustained.length > 0 ? Math.max(...sustained) : 0,
    duplicates: reader.outputs.duplicates,
    unattributed_dead_letters: reader.outputs.unattributedDeadLetters,
    lag_probe_failures: sampler.failures(),
    series,
  };
}
