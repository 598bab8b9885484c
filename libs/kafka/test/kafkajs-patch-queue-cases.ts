import type { KafkajsCopy } from './kafkajs-copy.js';
import type { PatchCase } from './kafkajs-patch-case.js';

const REQUEST_QUEUE = 'src/network/requestQueue/index.js';

/** The delay each situation hands to setTimeout, as a category (the clock moves between runs). */
function scheduledDelays(kafkajs: KafkajsCopy): string {
  const now = Date.now();
  const situations: { name: string; throttledUntil: number; pending: number }[] = [
    { name: 'idle, never throttled', throttledUntil: -1, pending: 0 },
    { name: 'idle, throttle over', throttledUntil: now - 5_000, pending: 0 },
    { name: 'pending, never throttled', throttledUntil: -1, pending: 1 },
    { name: 'pending, throttled for 60 s', throttledUntil: now + 60_000, pending: 1 },
    { name: 'idle, throttled for 60 s', throttledUntil: now + 60_000, pending: 0 },
  ];
  const realSetTimeout = globalThis.setTimeout;
  const lines: string[] = [];
  try {
    for (const s of situations) {
      let delay = Number.NaN;
      globalThis.setTimeout = ((_fn: () => void, ms: number) => {
        delay = ms;
        return { unref() {} };
      }) as unknown as typeof setTimeout;
      const queue = new kafkajs.RequestQueue({ logger: { debug() {}, info() {}, warn() {}, error() {} } });
      queue.throttledUntil = s.throttledUntil;
      queue.pending = Array.from({ length: s.pending }, () => ({}));
      queue.scheduleCheckPendingRequests();
      const category = delay < 1 ? 'below 1 ms' : delay > 50_000 ? 'until the throttle ends' : `${delay} ms`;
      lines.push(`${s.name}: ${category}`);
    }
  } finally {
    globalThis.setTimeout = realSetTimeout;
  }
  return lines.join('\n');
}

/**
 * Upstream passes a negative delay to setTimeout whenever the queue is idle and not throttled;
 * Node clamps it to 1 ms, and Node 24 warns. The patch passes 1 ms itself: same timing, no warning.
 */
export const queueCases: readonly PatchCase[] = [
  {
    id: 'request-queue-schedule-delay',
    files: [REQUEST_QUEUE],
    inputs: 'scheduleCheckPendingRequests idle or pending, never throttled, throttle over, throttled for 60 s',
    sameAsUpstream: false,
    run: async (kafkajs) => scheduledDelays(kafkajs),
  },
];
