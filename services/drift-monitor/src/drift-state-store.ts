import type { Redis } from 'ioredis';
import type { DriftSnapshot } from './drift-processor.js';

/**
 * Where the drift monitor keeps its open windows between restarts: one Redis string per consumer
 * group, `<prefix>state:<group>`, holding the processor's JSON snapshot. The drift monitor runs as
 * one active consumer per group (a feature and its prediction may sit on different partitions),
 * so one key per group is enough and a replacement instance picks it up.
 */
export function createDriftStateStore(redis: Redis, keyPrefix: string, group: string) {
  const key = `${keyPrefix}state:${group}`;
  return {
    key,
    /** The saved snapshot as parsed JSON, or undefined when there is none. */
    async load(): Promise<unknown> {
      const text = await redis.get(key);
      return text === null ? undefined : (JSON.parse(text) as unknown);
    },
    async save(snapshot: DriftSnapshot): Promise<void> {
      await redis.set(key, JSON.stringify(snapshot));
    },
  };
}

export type DriftStateStore = ReturnType<typeof createDriftStateStore>;
