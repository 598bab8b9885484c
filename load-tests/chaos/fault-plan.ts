/**
 * The chaos run's fault schedule (issue 23 part 2): which faults, in which order and when, drawn
 * from a seed so that a run can be repeated and its schedule printed before it starts.
 */
import { createRandom } from '@tidewater/payment-simulator';

export type FaultKind =
  | 'inference-kill'
  | 'service-kill'
  | 'broker-kill'
  | 'broker-stop'
  | 'redis-kill'
  | 'registry-down'
  | 'slack-refusing'
  | 'kafka-latency'
  | 'kafka-cut';

/** One fault: when it starts (seconds from the load's start), how long it lasts, what it hits. */
export interface PlannedFault {
  readonly kind: FaultKind;
  readonly at_s: number;
  /** How long the part stays down or degraded before it is restarted or healed (0: restarted at once). */
  readonly duration_s: number;
  /** The service or process it hits (`inference-2`, `feature`, `kafka-1`, ...). */
  readonly target: string;
}

export interface FaultPlanOptions {
  readonly seed: number;
  /** Load before the first fault: the baseline that recovery is measured against. */
  readonly warmupSeconds: number;
  /** Quiet seconds after each fault ends before the next may start. */
  readonly gapSeconds: number;
  readonly inferenceWorkers: number;
  readonly inferenceKills: number;
  readonly kafkaBrokers: number;
  /** The short CI run: one worker kill, one broker restart, one Redis restart, nothing else. */
  readonly short: boolean;
  /** Whether a TCP fault proxy sits between one service and Kafka (the latency and cut faults). */
  readonly proxy: boolean;
  /** Only faults of these kinds (`broker-kill` and `broker-stop` both name the broker fault); all when omitted. */
  readonly only?: readonly FaultKind[] | undefined;
}

export const FAULT_KINDS: readonly FaultKind[] = [
  'inference-kill',
  'service-kill',
  'broker-kill',
  'broker-stop',
  'redis-kill',
  'registry-down',
  'slack-refusing',
  'kafka-latency',
  'kafka-cut',
];

/** The faults of a run before they are placed in time. */
function faultsOf(o: FaultPlanOptions, pick: (n: number) => number): Omit<PlannedFault, 'at_s'>[] {
  const worker = () => `inference-${pick(o.inferenceWorkers)}`;
  const broker =
    o.kafkaBrokers === 1
      ? { kind: 'broker-kill' as const, duration_s: 0, target: 'kafka-1' }
      : { kind: 'broker-stop' as const, duration_s: 60, target: `kafka-${1 + pick(o.kafkaBrokers)}` };
  if (o.short) {
    return [{ kind: 'inference-kill', duration_s: 0, target: worker() }, broker, { kind: 'redis-kill', duration_s: 5, target: 'redis' }];
  }
  const list: Omit<PlannedFault, 'at_s'>[] = [];
  for (let i = 0; i < o.inferenceKills; i++) list.push({ kind: 'inference-kill', duration_s: 0, target: worker() });
  for (const s of ['ingestion', 'feature', 'drift-monitor', 'alerting']) list.push({ kind: 'service-kill', duration_s: 0, target: s });
  list.push(broker);
  list.push({ kind: 'redis-kill', duration_s: 5, target: 'redis' });
  list.push({ kind: 'registry-down', duration_s: 30, target: 'schema-registry' });
  list.push({ kind: 'slack-refusing', duration_s: 60, target: 'slack' });
  if (o.proxy) {
    list.push({ kind: 'kafka-latency', duration_s: 30, target: 'feature' });
    list.push({ kind: 'kafka-cut', duration_s: 20, target: 'feature' });
  }
  return list;
}

/**
 * The run's faults in a seeded order, one after the other: each starts `gapSeconds` (give or take
 * a seeded quarter) after the previous one ended, the first after `warmupSeconds`. Faults never
 * overlap, so each one's recovery is its own.
 */
export function planFaults(o: FaultPlanOptions): PlannedFault[] {
  const random = createRandom(o.seed);
  const pick = (n: number) => Math.min(n - 1, Math.floor(random.next() * n));
  const broker = (k: FaultKind) => (k === 'broker-stop' ? 'broker-kill' : k);
  const only = o.only?.map(broker);
  const list = faultsOf(o, pick).filter((f) => !only || only.includes(broker(f.kind)));
  for (let i = list.length - 1; i > 0; i--) {
    const j = pick(i + 1);
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  const out: PlannedFault[] = [];
  let at = o.warmupSeconds;
  for (const f of list) {
    out.push({ ...f, at_s: Math.round(at) });
    at += f.duration_s + o.gapSeconds * (0.75 + 0.5 * random.next());
  }
  return out;
}

/** Seconds from the load's start until the last fault has ended and had its gap. */
export function planSeconds(plan: readonly PlannedFault[], gapSeconds: number): number {
  const last = plan.at(-1);
  return last ? Math.ceil(last.at_s + last.duration_s + gapSeconds * 1.25) : gapSeconds;
}

/** The schedule as printed before the run: one line per fault. */
export function describePlan(plan: readonly PlannedFault[]): string[] {
  return plan.map(
    (f) => `  t=${String(f.at_s).padStart(4)} s  ${f.kind.padEnd(15)} ${f.target}${f.duration_s > 0 ? ` for ${f.duration_s} s` : ''}`,
  );
}
