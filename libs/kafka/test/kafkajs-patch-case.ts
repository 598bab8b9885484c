/** What the digests of patches/kafkajs+2.2.4.patch are made of (see kafkajs-patch-digests.ts). */
import type { KafkajsCopy } from './kafkajs-copy.js';

/**
 * One hunk's behaviour on fixed inputs: `run` feeds them through a copy of kafkajs and returns its
 * output as text, whose SHA-256 goes into libs/kafka/test/kafkajs-patch-digests.json.
 */
export interface PatchCase {
  /** Stable key in the digests file. */
  readonly id: string;
  /** Files of the package (as named in the patch) whose hunks this case drives. */
  readonly files: readonly string[];
  /** What goes in, in a line. */
  readonly inputs: string;
  /** The hunk claims the same output as kafkajs 2.2.4; false where it changes behaviour on purpose. */
  readonly sameAsUpstream: boolean;
  run(kafkajs: KafkajsCopy): Promise<string>;
}

/** `n` bytes from `rand`. */
export function bytes(rand: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}
