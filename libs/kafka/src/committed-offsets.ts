import type { KafkaAdmin } from './admin.js';

/** A group's committed next offset of each partition of `topics`, keyed `topic:partition`. */
export type CommittedOffsetsReader = (topics: readonly string[]) => Promise<ReadonlyMap<string, bigint>>;

/** Reads a group's committed offsets with OffsetFetch, as a consumer joining the group does. */
export function committedOffsetsReader(admin: Pick<KafkaAdmin, 'fetchOffsets'>, groupId: string): CommittedOffsetsReader {
  return async (topics) => {
    const result = new Map<string, bigint>();
    for (const t of await admin.fetchOffsets({ groupId, topics: [...topics] })) {
      for (const p of t.partitions) if (p.offset !== '-1') result.set(`${t.topic}:${p.partition}`, BigInt(p.offset));
    }
    return result;
  };
}
