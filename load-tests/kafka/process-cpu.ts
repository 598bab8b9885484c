import { readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in ticks of 1/100 s. */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system, every thread) the processes have used so far, from /proc/<pid>/stat;
 * NaN when one of them is gone or there is no /proc.
 */
export function processCpuSeconds(pids: readonly number[]): number {
  try {
    return pids.reduce((sum, pid) => {
      // Fields after the command name (which may hold spaces) start at field 3: utime is 14, stime 15.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return sum + (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    }, 0);
  } catch {
    return NaN;
  }
}

/** What to meter: other processes by pid, or `'self'` for this process (process.cpuUsage, microsecond resolution). */
export type CpuSubjects = Record<string, readonly number[] | 'self'>;

/** CPU used over a span per subject, as a share of one core (1 = one core busy all along). */
export interface CpuSplit {
  readonly seconds: number;
  readonly shares: Record<string, number>;
}

/**
 * Starts metering each subject's CPU now; `stop()` gives each one's share of one core since then.
 * Shares of processes sharing 2 cores add up to at most 2.
 */
export function meterCpu(subjects: CpuSubjects): { stop(): CpuSplit } {
  const t0 = performance.now();
  const self0 = process.cpuUsage();
  const start = Object.fromEntries(Object.entries(subjects).map(([name, s]) => [name, s === 'self' ? 0 : processCpuSeconds(s)]));
  return {
    stop() {
      const seconds = (performance.now() - t0) / 1000;
      const shares: Record<string, number> = {};
      for (const [name, s] of Object.entries(subjects)) {
        if (s === 'self') {
          const used = process.cpuUsage(self0);
          shares[name] = (used.user + used.system) / 1e6 / seconds;
        } else shares[name] = (processCpuSeconds(s) - start[name]!) / seconds;
      }
      return { seconds, shares };
    },
  };
}

/** `name 97%, kafka 41%` for a line of output (shares of one core). */
export function formatCpuSplit(split: CpuSplit): string {
  return Object.entries(split.shares)
    .map(([name, share]) => `${name} ${Number.isFinite(share) ? Math.round(share * 100) : '?'}%`)
    .join(', ');
}

/** Shares rounded to two digits, for a JSON line. */
export function roundedShares(split: CpuSplit): Record<string, number | null> {
  return Object.fromEntries(Object.entries(split.shares).map(([k, v]) => [k, Number.isFinite(v) ? Math.round(v * 100) / 100 : null]));
}
