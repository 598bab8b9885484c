export { failBoot, startServiceRuntime } from './service-runtime.js';
export type { ApiServerSettings, RuntimeConfig, ServiceRuntime } from './service-runtime.js';
export { avroConsumerCodec, avroReader, avroTopicWriter } from './avro-topic.js';
export type { AvroTopicWriter } from './avro-topic.js';
export { topicNamesEnv } from './topic-names.js';
