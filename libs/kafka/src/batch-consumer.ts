import type { ConsumerBatch, KafkaConsumerOptions } from './consumer.js';
import type { TopicPartitions } from './types.js';

/**
 * What the consumer runner asks of a client library's group consumer (internal to this package):
 * kafkajs's consumer has this shape; platformatic/group-consumer.ts builds it on @platformatic/kafka.
 */
export interface BatchPayload {
  readonly batch: ConsumerBatch;
  /** Tells the group this member is alive. */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping. */
  isRunning(): boolean;
  /** True when this partition was revoked (or sought) since the batch was fetched: its work must not commit. */
  isStale(): boolean;
  /** Marks the batch processed up to `offset`: its next offset is committed once the handler returns. */
  resolveOffset(offset: string): void;
}

export interface BatchConsumerRun {
  readonly autoCommit?: boolean;
  /** Commit resolved offsets at most this often (and on stop and rebalance) instead of after every batch. */
  readonly autoCommitIntervalMs?: number;
  readonly partitionsConsumedConcurrently?: number;
  readonly eachBatch: (payload: BatchPayload) => Promise<void>;
}

export interface BatchConsumer {
  connect(): Promise<void>;
  subscribe(opts: { readonly topics: readonly string[]; readonly fromBeginning?: boolean }): Promise<void>;
  run(opts: BatchConsumerRun): Promise<void>;
  seek(position: { readonly topic: string; readonly partition: number; readonly offset: string }): void;
  pause(partitions: readonly TopicPartitions[]): void;
  resume(partitions: readonly TopicPartitions[]): void;
  /** Each time this member joins its group: its assignment, partitions by topic. */
  onGroupJoin(listener: (assignment: Record<string, number[]>) => void): void;
  /** When the consumer stopped on an error: `restart` says whether it restarts by itself. */
  onCrash(listener: (error: unknown, restart: boolean) => void): void;
  disconnect(): Promise<void>;
  /** Timings of the client's own steps (fetches, requests by API), where the client reports them. */
  onTiming?(listener: (stage: string, ms: number) => void): void;
}

export type GroupConsumerOptions = KafkaConsumerOptions & { readonly allowAutoTopicCreation?: boolean };
