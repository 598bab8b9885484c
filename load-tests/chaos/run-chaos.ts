/**
 * The chaos run (issue 23 part 2): the load of `npm run load` at one fixed rate while the fault plan
 * runs, then an account of every event from the topics.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSampler } from '../pipeline/probes.js';
import { rawEventSource } from '../pipeline/raw-events.js';
import type { ReportSeries } from '../pipeline/report-html.js';
import { arrivalSchedule, type ScheduledEvent } from '../pipeline/schedule.js';
import { sendSchedule } from '../pipeline/sender.js';
import { cpuSeries, lagSeries, latencyOverTime, ms, percentiles, ratePerBucket, type Timed } from '../pipeline/stats.js';
import type { PlannedFault } from './fault-plan.js';
import { recoveries } from './recovery.js';
import { runFault, sendProbeAlerts, type ChaosStack, type FaultOutcome } from './stack-faults.js';
import { startTopicAudit } from './topic-audit.js';

/** Seconds of schedule the generator sends at a time. */
const CHUNK_S = 10;

export interface ChaosOptions {
  readonly rate: number;
  readonly httpShare: number;
  /** Load goes on this long after the last fault's part is back, for its recovery to show. */
  readonly tailSeconds: number;
  /** Load stops after this many seconds whatever the faults do. */
  readonly maxSeconds: number;
  /** Longest wait after the last send for every event to be accounted for. */
  readonly drainSeconds: number;
  readonly sampleMs: number;
  /** Probe alerts sent at the start, so a run without the Slack fault still checks alert delivery. */
  readonly probeAlerts: number;
}

/** A fault with what happened to it, as it goes in the JSON line. */
export interface FaultResult {
  readonly kind: string;
  readonly target: string;
  readonly at_s: number;
  readonly duration_s: number;
  /** Seconds from the fault's start until the part was back (restarted and ready, or healed). */
  readonly restored_s: number;
  readonly recovery_s: number | null;
  readonly level_p99_ms: number;
  readonly worst_p99_ms: number | null;
  /** Duplicate predictions made between this fault's start and the next one's. */
  readonly duplicates: number;
  readonly error?: string;
}

export async function runChaos(
  stack: ChaosStack,
  plan: readonly PlannedFault[],
  opts: ChaosOptions,
  ingestion: { url: string; apiKey: string },
  progress: (line: string) => void,
) {
  const idPrefix = `chaos-${stack.runId}-`;
  const reader = startTopicAudit({ brokers: stack.state.kafka.bootstrapServers, registryUrl: stack.state.registry.url, idPrefix });
  const sampler = startSampler({ brokers: stack.state.kafka.bootstrapServers, processes: stack.processes, intervalMs: opts.sampleMs });
  const producer = stack.producer;
  await Promise.all([reader.start(), sampler.start()]);
  const source = rawEventSource({ runId: stack.runId });
  const t0 = Date.now() + 500;
  const schedule: ScheduledEvent[] = [];
  let httpFailed = 0;
  const sentAt: number[] = [];
  const outcomes: FaultOutcome[] = [];
  let faultsEndMs = Number.POSITIVE_INFINITY;
  let sentDone = false;
  try {
    const faults = (async () => {
      if (opts.probeAlerts > 0)
        await sendProbeAlerts(stack, opts.probeAlerts).catch((err: unknown) => progress(`probe alerts not sent: ${String(err)}`));
      let prevPlannedEnd = 0;
      let prevEndMs = t0;
      for (const f of plan) {
        // The planned gap after the previous fault counts from when its part was actually back.
        const gapMs = (f.at_s - prevPlannedEnd) * 1000;
        const wait = Math.max(t0 + f.at_s * 1000, prevEndMs + gapMs) - Date.now();
        if (wait > 0) await sleep(wait);
        progress(`t=${((Date.now() - t0) / 1000).toFixed(0)} s: ${f.kind} ${f.target}${f.duration_s > 0 ? ` for ${f.duration_s} s` : ''}`);
        const o = await runFault(stack, f);
        outcomes.push(o);
        progress(`  back after ${((o.endMs - o.startMs) / 1000).toFixed(1)} s${o.error ? `: FAILED: ${o.error}` : ''}`);
        prevPlannedEnd = f.at_s + f.duration_s;
        prevEndMs = o.endMs;
      }
      faultsEndMs = prevEndMs;
    })();
    // The load goes on in chunks until the last fault has been over for `tailSeconds`; each chunk's
    // schedule starts where the previous one's ended, so a late chunk is sent at once (open loop).
    for (let k = 0; ; k++) {
      const startMs = t0 + k * CHUNK_S * 1000;
      if (startMs >= faultsEndMs + opts.tailSeconds * 1000 || k * CHUNK_S >= opts.maxSeconds) break;
      const chunk = arrivalSchedule({ rate: opts.rate, seconds: CHUNK_S, startMs, httpShare: opts.httpShare });
      const base = schedule.length;
      const sent = await sendSchedule(chunk, {
        producer,
        topic: 'events.raw',
        httpUrl: ingestion.url,
        apiKey: ingestion.apiKey,
        event: (seq, at) => source.event(base + seq, `${idPrefix}${base + seq}`, at),
      });
      for (const e of chunk) schedule.push({ ...e, seq: base + e.seq });
      sentAt.push(...sent.sentAt);
      httpFailed += sent.httpFailed;
    }
    sentDone = true;
    await faults;
    progress(`sent ${schedule.length} events (${httpFailed} refused over HTTP); waiting for every one to come out...`);
    const accounted = () => {
      let n = 0;
      for (let seq = 0; seq < schedule.length; seq++) {
        const id = `${idPrefix}${seq}`;
        if (reader.audit.predicted.has(id) || reader.audit.deadLettered.has(id)) n++;
      }
      return n;
    };
    const deadline = Date.now() + opts.drainSeconds * 1000;
    let last = -1;
    let stableSince = Date.now();
    for (;;) {
      const n = accounted();
      if (n >= schedule.length - httpFailed && reader.audit.records === last && Date.now() - stableSince > 3000) break;
      if (n === schedule.length) break;
      if (reader.audit.records !== last) {
        last = reader.audit.records;
        stableSince = Date.now();
      }
      if (Date.now() > deadline) break;
      await sleep(1000);
    }
    return summarise();

    function summarise() {
      const a = reader.audit;
      let scored = 0;
      let dlq = 0;
      let both = 0;
      let lost = 0;
      let unaccountedHttp = 0;
      const lostIds: string[] = [];
      const points: Timed[] = [];
      for (let seq = 0; seq < schedule.length; seq++) {
        const id = `${idPrefix}${seq}`;
        const p = a.predicted.get(id);
        const d = a.deadLettered.has(id);
        if (p !== undefined && d) both++;
        if (p !== undefined) {
          scored++;
          points.push({ at: p, ms: p - schedule[seq]!.at });
        } else if (d) dlq++;
        else if (schedule[seq]!.http) unaccountedHttp++;
        else {
          lost++;
          if (lostIds.length < 20) lostIds.push(id);
        }
      }
      // Events of an HTTP request that failed were refused to the client, which was told (and would
      // retry): not lost by the pipeline. Any other HTTP event missing is lost.
      const refused = Math.min(unaccountedHttp, httpFailed);
      lost += unaccountedHttp - refused;
      const firstFault = outcomes[0]?.startMs ?? Date.now();
      const baseline = percentiles(points.filter((p) => p.at < firstFault && p.at > firstFault - 20_000).map((p) => p.ms)).p99;
      const rec = recoveries(points, outcomes, Number.isFinite(baseline) ? baseline : 1000);
      const faults: FaultResult[] = plan.map((f, i) => {
        const o = outcomes[i];
        return {
          kind: f.kind,
          target: f.target,
          at_s: o ? Math.round((o.startMs - t0) / 100) / 10 : f.at_s,
          duration_s: f.duration_s,
          restored_s: o ? Math.round((o.endMs - o.startMs) / 100) / 10 : 0,
          recovery_s: rec[i]?.recovery_s ?? null,
          level_p99_ms: rec[i]?.level_p99_ms ?? 0,
          worst_p99_ms: rec[i]?.worst_p99_ms ?? null,
          duplicates: o ? a.duplicateAt.filter((t) => t >= o.startMs && t < (outcomes[i + 1]?.startMs ?? Infinity)).length : 0,
          ...(o?.error ? { error: o.error } : {}),
        };
      });
      const slackText = stack.state.slack.captureFile ? readCapture(stack.state.slack.captureFile) : '';
      const fired = [...a.alertsFired.values()];
      const reached = fired.filter((name) => slackText.includes(name) || a.parked.some((p) => p.includes(name)));
      const all = percentiles(points.map((p) => p.ms));
      const tEnd = Date.now();
      const series: ReportSeries = {
        latency: latencyOverTime(points, t0, 1000),
        throughput: {
          t: ratePerBucket([], t0, tEnd, 1000).map((_, i) => i + 1),
          sent: ratePerBucket(
            sentAt.filter((x) => Number.isFinite(x)),
            t0,
            tEnd,
            1000,
          ),
          scored: ratePerBucket([...a.predicted.values()], t0, tEnd, 1000),
        },
        lag: lagSeries(sampler.lag, t0),
        cpu: cpuSeries(sampler.cpu, t0),
        steps: faults.map((f) => ({ t: f.at_s, label: `${f.kind} ${f.target}` })),
      };
      return {
        figures: {
          rate: opts.rate,
          seconds: Math.round(schedule.length / opts.rate),
          events: schedule.length,
          sent_http: schedule.filter((e) => e.http).length,
          http_refused: refused,
          scored,
          dlq,
          in_both: both,
          lost,
          lost_examples: lostIds,
          duplicates: a.duplicates,
          duplicate_pct: scored > 0 ? Math.round((a.duplicates / scored) * 100_000) / 1000 : 0,
          e2e_p50_ms: ms(all.p50),
          e2e_p99_ms: ms(all.p99),
          e2e_max_ms: ms(all.max),
          baseline_p99_ms: ms(baseline),
          faults,
          faults_failed: faults.filter((f) => f.error).length,
          max_recovery_s: Math.max(0, ...faults.map((f) => f.recovery_s ?? 0)),
          faults_not_recovered: faults.filter((f) => f.recovery_s === null).length,
          alerts_fired: fired.length,
          alerts_delivered_or_parked: reached.length,
          alerts_missing: fired.filter((n) => !reached.includes(n)),
          lag_probe_failures: sampler.failures(),
        },
        series,
      };
    }
  } finally {
    if (!sentDone) progress('the run stopped early');
    await sampler.stop();
    await reader.stop();
  }
}

function readCapture(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
