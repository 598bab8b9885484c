/**
 * Latency at a fixed rate: records produced in awaited sends every 50 ms (as an upstream service
 * produces its batches) at `rate` records/s, read back by a consumer group in the same process; a
 * record's latency is from just before its send to its arrival at the consumer. Each value starts
 * with its send time (float64, ms on this process's clock), padded to `recordSize`.
 */
import { readFileSync } from 'node:fs';
import { median, percentile } from './client-variants.js';

export interface PacedResult {
  readonly rate: number;
  readonly seconds: number;
  readonly sent: number;
  readonly received: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

const TICK_MS = 50;
const now = () => performance.timeOrigin + performance.now();

/** A value of `size` bytes (at least 8) carrying its send time. */
export function stampedValue(size: number, at = now()): Buffer {
  const b = Buffer.alloc(Math.max(8, size));
  b.writeDoubleBE(at, 0);
  return b;
}

/** The send time a stamped value carries. */
export const stampOf = (value: Buffer): number => value.readDoubleBE(0);

/**
 * Runs the paced load. `start(onValue)` starts the caller's consumer on the topic and resolves once
 * it runs; `send(values)` produces and resolves once acknowledged. A first send of warm-up records
 * must arrive before the clock starts (the group join and first fetches are not measured).
 */
export async function pacedLatency(opts: {
  rate: number;
  seconds: number;
  recordSize: number;
  send: (values: Buffer[]) => Promise<void>;
  start: (onValue: (value: Buffer) => void) => Promise<void>;
  timeoutMs?: number;
}): Promise<PacedResult> {
  const WARMUP = 100;
  const latencies: number[] = [];
  let warmSeen = 0;
  let arrived: () => void = () => undefined;
  const onValue = (value: Buffer) => {
    const t = stampOf(value);
    if (t < 0) warmSeen++;
    else latencies.push(now() - t);
    arrived();
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  const until = async (cond: () => boolean, what: string) => {
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`fixed-rate latency: ${what}`);
      await new Promise<void>((resolve) => {
        arrived = resolve;
        setTimeout(resolve, 100);
      });
    }
  };
  await opts.start(onValue);
  // Warm-up records carry a negative stamp, so they are told apart from timed ones.
  await opts.send(Array.from({ length: WARMUP }, () => stampedValue(opts.recordSize, -1)));
  await until(() => warmSeen >= WARMUP, `${warmSeen} of ${WARMUP} warm-up records arrived`);
  const t0 = performance.now();
  let sent = 0;
  while (performance.now() - t0 < opts.seconds * 1000) {
    const due = Math.floor(((performance.now() - t0) / 1000) * opts.rate);
    if (due > sent) {
      const n = due - sent;
      const at = now();
      await opts.send(Array.from({ length: n }, () => stampedValue(opts.recordSize, at)));
      sent += n;
    }
    const next = t0 + (Math.floor((performance.now() - t0) / TICK_MS) + 1) * TICK_MS;
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
  }
  await until(() => latencies.length >= sent, `${latencies.length} of ${sent} timed records arrived`);
  return {
    rate: opts.rate,
    seconds: opts.seconds,
    sent,
    received: latencies.length,
    p50Ms: median(latencies),
    p99Ms: percentile(latencies, 99),
    maxMs: Math.max(...latencies),
  };
}

/** This process's peak resident set (VmHWM), MB. */
export function peakRssMb(pid: number | 'self' = 'self'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}
