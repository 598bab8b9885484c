import type { KafkaRecord, TopicPartitions } from './types.js';

export interface KafkaConsumerOptions {
  readonly groupId: string;
  /** How long a fetch waits for data on an empty partition; kafkajs waits 5 s by default. */
  readonly maxWaitTimeInMs?: number;
  /**
   * How many bytes a fetch waits for (up to `maxWaitTimeInMs`) before the broker answers; 1 (the
   * default) answers as soon as any record is there. Larger values trade a few ms of latency for
   * fewer, fuller fetch cycles.
   */
  readonly minBytes?: number;
  readonly maxBytesPerPartition?: number;
  readonly sessionTimeout?: number;
  readonly rebalanceTimeout?: number;
  readonly heartbeatInterval?: number;
  /** Also read records of open and aborted transactions (default: read committed). */
  readonly readUncommitted?: boolean;
  /**
   * Consumer runners (kafkajs): commit processed offsets at most this often, and on stop and
   * rebalance, instead of awaiting a commit after every batch; 0 commits after every batch.
   * Default 1000 (`defaultCommitIntervalMs` in consumer-runner.ts). @platformatic/kafka's runner
   * commits after every batch whatever this says.
   */
  readonly commitIntervalMs?: number;
}

/** The records of one partition a fetch returned. */
export interface ConsumerBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly KafkaRecord[];
  readonly highWatermark: string;
  /** The offset of the batch's last record. */
  lastOffset(): string;
}

export interface KafkaConsumerRun {
  /** Commit consumed offsets (default true); a reader that must not move its group passes false. */
  readonly autoCommit?: boolean;
  readonly eachBatch?: (payload: { readonly batch: ConsumerBatch }) => Promise<void>;
  readonly eachMessage?: (payload: { readonly topic: string; readonly partition: number; readonly message: KafkaRecord }) => Promise<void>;
}

/**
 * A plain group consumer for tools and tests (exports, replays, taps). Services consume through a
 * consumer runner, which adds decoding, retries, dead letters and traces.
 */
export interface KafkaConsumer {
  connect(): Promise<void>;
  subscribe(opts: { readonly topics: readonly string[]; readonly fromBeginning?: boolean }): Promise<void>;
  /** Starts the fetch loop; resolves once it runs. */
  run(opts: KafkaConsumerRun): Promise<void>;
  /** Moves a partition's next fetch to `offset`; call after `run`. */
  seek(position: { readonly topic: string; readonly partition: number; readonly offset: string }): void;
  pause(partitions: readonly TopicPartitions[]): void;
  resume(partitions: readonly TopicPartitions[]): void;
  /** Resolves the first time this member joins its group (with or without partitions). */
  joined(): Promise<void>;
  /** Stops fetching, commits (unless autoCommit is off) and leaves the group. */
  disconnect(): Promise<void>;
}
