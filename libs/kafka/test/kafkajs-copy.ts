import { createRequire } from 'node:module';

/**
 * The two copies of kafkajs 2.2.4 in node_modules: `kafkajs` carries patches/kafkajs+2.2.4.patch
 * (applied by patch-package on install), `kafkajs-upstream` (the devDependency alias
 * `npm:kafkajs@2.2.4`) is the release as published.
 */
export type KafkajsCopyName = 'kafkajs' | 'kafkajs-upstream';

export interface Long {
  toString(): string;
}

export interface Encoder {
  readonly buffer: Buffer;
  size(): number;
  writeInt8(v: number): Encoder;
  writeInt16(v: number): Encoder;
  writeInt32(v: number): Encoder;
  writeUInt32(v: number): Encoder;
  writeInt64(v: number | Long): Encoder;
  writeDouble(v: number): Encoder;
  writeBoolean(v: boolean): Encoder;
  writeString(v: string | null): Encoder;
  writeVarIntString(v: string | null): Encoder;
  writeUVarIntString(v: string | null): Encoder;
  writeBytes(v: Buffer | string | null): Encoder;
  writeVarIntBytes(v: Buffer | string | null): Encoder;
  writeUVarIntBytes(v: Buffer | string | null): Encoder;
  writeEncoder(v: Encoder): Encoder;
  writeEncoderArray(v: Encoder[]): Encoder;
  writeBuffer(v: Buffer): Encoder;
  writeArray(v: unknown[], type?: string): Encoder;
  writeNullableArray(v: unknown[], type?: string): Encoder;
  writeVarIntArray(v: unknown[], type?: string): Encoder;
  writeUVarIntArray(v: unknown[] | null, type?: string): Encoder;
  writeVarInt(v: number): Encoder;
  writeUVarInt(v: number): Encoder;
  writeVarLong(v: number | Long): Encoder;
}

export interface PartitionMetadata {
  readonly partitionId: number;
  readonly leader: number;
}

export interface Message {
  readonly key?: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly partition?: number;
  readonly headers?: Record<string, unknown>;
  readonly timestamp?: number;
}

export type Partitioner = (args: { topic: string; partitionMetadata: readonly PartitionMetadata[]; message: Message }) => number;

/** What a fake cluster's broker lookup needs: the cached metadata and a findBroker to override. */
export interface Cluster {
  brokerPool: { metadata: unknown };
  findBroker: (args: { nodeId: number }) => Promise<{ nodeId: number }>;
  findControllerBroker(): Promise<{ nodeId: number }>;
}

/** The modules of one copy that the patch touches, and what their cases need to drive them. */
export interface KafkajsCopy {
  readonly name: KafkajsCopyName;
  readonly Long: { fromValue(v: number | string): Long; fromString(s: string): Long };
  readonly Encoder: {
    new (initialSize?: number): Encoder;
    sizeOfVarInt(v: number): number;
    sizeOfVarLong(v: number | Long): number;
    sizeOfVarIntBytes(v: Buffer | string | null): number;
  };
  readonly Decoder: new (b: Buffer) => unknown;
  readonly Cluster: {
    new (options: Record<string, unknown>): Cluster;
    prototype: { findLeaderForPartitions(this: unknown, topic: string, partitions: string[]): unknown };
  };
  readonly createLogger: (options: { level: number; logCreator: () => () => void }) => unknown;
  readonly KafkaJSBrokerNotFound: new (message: string) => Error;
  readonly KafkaJSConnectionError: new (message: string) => Error;
  readonly createRetry: (options: Record<string, unknown>) => unknown;
  readonly createSendMessages: (deps: Record<string, unknown>) => (args: Record<string, unknown>) => Promise<unknown>;
  readonly murmur2: (key: Buffer | string) => number;
  readonly DefaultPartitioner: () => Partitioner;
  readonly LegacyPartitioner: () => Partitioner;
  readonly groupMessagesPerPartition: (args: {
    topic: string;
    partitionMetadata: readonly PartitionMetadata[];
    messages: readonly Message[];
    partitioner: Partitioner;
  }) => Record<string, Message[]>;
  readonly crc32C: (b: Buffer) => number;
  readonly Record: (args: {
    offsetDelta: number;
    timestampDelta: number | Long;
    key: unknown;
    value: unknown;
    headers?: unknown;
  }) => Encoder;
  readonly RecordBatch: (args: Record<string, unknown>) => Promise<Encoder>;
  readonly Compression: { None: number; GZIP: number };
  readonly decodeRecordBatch: (decoder: unknown) => Promise<{ records: unknown[] }>;
  readonly produceRequest: (args: Record<string, unknown>) => { encode(): Promise<Encoder> };
  readonly RequestQueue: new (options: Record<string, unknown>) => RequestQueue;
}

/** The parts of a broker connection's request queue that its scheduling case drives. */
export interface RequestQueue {
  throttledUntil: number;
  pending: unknown[];
  scheduleCheckPendingRequests(): void;
}

const require = createRequire(import.meta.url);

/** Loads one copy's internals by path (kafkajs has no `exports` map, so deep requires resolve). */
export function loadKafkajs(name: KafkajsCopyName): KafkajsCopy {
  const r = (path: string): unknown => require(`${name}/src/${path}`);
  const partitioners = r('producer/partitioners') as Pick<KafkajsCopy, 'DefaultPartitioner' | 'LegacyPartitioner'>;
  return {
    name,
    Long: r('utils/long') as KafkajsCopy['Long'],
    Encoder: r('protocol/encoder') as KafkajsCopy['Encoder'],
    Decoder: r('protocol/decoder') as KafkajsCopy['Decoder'],
    Cluster: r('cluster') as KafkajsCopy['Cluster'],
    createLogger: (r('loggers') as { createLogger: KafkajsCopy['createLogger'] }).createLogger,
    KafkaJSBrokerNotFound: (r('errors') as Pick<KafkajsCopy, 'KafkaJSBrokerNotFound'>).KafkaJSBrokerNotFound,
    KafkaJSConnectionError: (r('errors') as Pick<KafkajsCopy, 'KafkaJSConnectionError'>).KafkaJSConnectionError,
    createRetry: r('retry') as KafkajsCopy['createRetry'],
    createSendMessages: r('producer/sendMessages') as KafkajsCopy['createSendMessages'],
    murmur2: r('producer/partitioners/default/murmur2') as KafkajsCopy['murmur2'],
    DefaultPartitioner: partitioners.DefaultPartitioner,
    LegacyPartitioner: partitioners.LegacyPartitioner,
    groupMessagesPerPartition: r('producer/groupMessagesPerPartition') as KafkajsCopy['groupMessagesPerPartition'],
    crc32C: r('protocol/recordBatch/crc32C') as KafkajsCopy['crc32C'],
    Record: r('protocol/recordBatch/record/v0') as KafkajsCopy['Record'],
    RecordBatch: (r('protocol/recordBatch/v0') as { RecordBatch: KafkajsCopy['RecordBatch'] }).RecordBatch,
    Compression: (r('protocol/message/compression') as { Types: KafkajsCopy['Compression'] }).Types,
    decodeRecordBatch: r('protocol/recordBatch/v0/decoder') as KafkajsCopy['decodeRecordBatch'],
    produceRequest: r('protocol/requests/produce/v3/request') as KafkajsCopy['produceRequest'],
    RequestQueue: r('network/requestQueue') as KafkajsCopy['RequestQueue'],
  };
}
