export { createKafkaClient, kafkaReadinessCheck } from './kafka-client.js';
export type { KafkaClient, KafkaClientLogLevel, KafkaClientSettings } from './kafka-client.js';
export { KAFKA_CLIENT_KINDS, kafkaClientFromEnv } from './client-kind.js';
export type { KafkaClientKind } from './client-kind.js';
export { describeKafkaSecurity, readKafkaSecurity } from './security.js';
export type { KafkaSaslMechanism, KafkaSaslSettings, KafkaSecurityMaterial, KafkaSecuritySettings, KafkaTlsSettings } from './security.js';
export type { KafkaHeaders, KafkaRecord, RecordAck, TopicPartitionOffset, TopicPartitions } from './types.js';
export type { GroupTopicOffsets, KafkaAdmin, PartitionWatermarks, TopicCreation, TopicMetadata } from './admin.js';
export type { ConsumerBatch, KafkaConsumer, KafkaConsumerOptions, KafkaConsumerRun } from './consumer.js';
export { createProducer } from './producer.js';
export type { OutgoingRecord, TidewaterProducer } from './producer.js';
export { connectTransactionalProducer } from './transactional-producer.js';
export type { KafkaTransaction, TransactionalProducer } from './transactional-producer.js';
export { committedOffsetsReader } from './committed-offsets.js';
export type { CommittedOffsetsReader } from './committed-offsets.js';
export { createConsumerRunner } from './consumer-runner.js';
export { createConsumerLagProbe, DEFAULT_LAG_PROBE_INTERVAL_MS } from './consumer-lag.js';
export type { ConsumerLagProbe, ConsumerLagProbeOptions } from './consumer-lag.js';
export { CLUSTER_PROBE_GROUP, createClusterLagProbe } from './cluster-lag.js';
export type { ClusterLagProbeOptions } from './cluster-lag.js';
export type { BatchTools, ConsumedRecord, ConsumerRunner, ConsumerRunnerOptions, ConsumerTuning } from './consumer-runner.js';
export { createDeadLetterWriter, deadLetterHeaders, describeError } from './dead-letter.js';
export type { DeadLetter, DeadLetterSource, DeadLetterWriter } from './dead-letter.js';
export { kafkaErrors } from './errors.js';
export type { KafkaErrorCode } from './errors.js';
export { kafkaMetrics } from './kafka-metrics.js';
export type { KafkaMetrics } from './kafka-metrics.js';
export { endSendSpans, extractTraceContext, startProcessSpan, startSendSpan, traceHeaders } from './trace-context.js';
export type { SpanServer } from './trace-context.js';
export { headerText } from './header-text.js';
export {
  MAGIC_BYTE,
  WIRE_HEADER_SIZE,
  createAvroDecoder,
  createAvroEncoder,
  isConfluentWireFormat,
  readWireSchemaId,
  serdeErrors,
} from './serde/index.js';
export type {
  AvroDecoder,
  AvroDecoderOptions,
  AvroEncoder,
  AvroEncoderOptions,
  InvalidField,
  SchemaRegistry,
  SerdeErrorCode,
  SerdeSchema,
} from './serde/index.js';
