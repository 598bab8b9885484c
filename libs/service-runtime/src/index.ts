export { failBoot, startServiceRuntime } from './service-runtime.js';
export type { ApiServerSettings, RuntimeConfig, ServiceRuntime } from './service-runtime.js';
export { avroConsumerCodec, avroReader, avroTopicWriter } from './avro-topic.js';
export type { AvroTopicWriter } from './avro-topic.js';
export { topicNamesEnv } from './topic-names.js';
export { kafkaSecurityOf, redisSecurityOptions, schemaRegistryClientConfig } from './security-settings.js';
export type { SecurityConfig } from './security-settings.js';
export { runtimeErrors } from './errors.js';
export type { RuntimeErrorCode } from './errors.js';
