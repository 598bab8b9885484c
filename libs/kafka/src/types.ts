/**
 * The client-neutral shapes that cross this package's surface (issue 18, part 3): services see
 * these, never a client library's own types, so the client behind them can change (issue 19).
 */

/** Kafka record headers: a value per name, repeated names as arrays. */
export type KafkaHeaders = { [name: string]: Buffer | string | (Buffer | string)[] | undefined };

/** One record as read from a partition. */
export interface KafkaRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: KafkaHeaders;
  /** The record's offset in its partition, as a decimal string (offsets exceed 2^53). */
  readonly offset: string;
  /** Create or append time in epoch millis, as a decimal string. */
  readonly timestamp: string;
}

/** What the broker answered for one partition of a produce request. */
export interface RecordAck {
  readonly topicName: string;
  readonly partition: number;
  readonly errorCode: number;
  readonly baseOffset?: string;
  readonly offset?: string;
  readonly logAppendTime?: string;
  readonly logStartOffset?: string;
  readonly timestamp?: string;
}

/** Some partitions of one topic (to pause, resume or seek). */
export interface TopicPartitions {
  readonly topic: string;
  readonly partitions: readonly number[];
}

/** An offset of one partition: for a group commit, the next offset to consume (last processed + 1). */
export interface TopicPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}
