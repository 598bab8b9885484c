import { describeDedupeRules } from '../test/dedupe-contract.js';
import { createMemoryDedupe } from './dedupe.js';

// The in-memory store on a clock of the test's own: its leases expire without waiting.
let now = 1_000_000;
describeDedupeRules('memory', {
  make: (pendingMs) => createMemoryDedupe({ windowMs: 60_000, pendingMs, now: () => now }),
  elapse: async (ms) => {
    now += ms;
  },
});
