import { createHash } from 'node:crypto';

/** Fixtures shared by the kafkajs patch tests (kafkajs-patch*.test.ts). */
export const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** Deterministic pseudo-random numbers (an LCG), so the fixtures are the same on every run. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
