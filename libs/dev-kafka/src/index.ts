export { devKafkaErrors } from './errors.js';
export type { DevKafkaErrorCode } from './errors.js';
export { ALL_BROKERS, KafkaApiKey, KafkaErrorCode, MOCK_DISCONNECT_ERROR } from './kafka-protocol.js';
export { ensureMockClusterBinary, mockClusterBinaryPath, mockClusterSourcePath } from './mock-cluster-binary.js';
export { MockKafkaControl, connectMockKafkaControl } from './mock-kafka-control.js';
export type { MockKafkaControlOptions } from './mock-kafka-control.js';
export { startMockKafka } from './start-mock-kafka.js';
export type { MockKafka, MockKafkaTopic, StartMockKafkaOptions } from './start-mock-kafka.js';
export { listenPort, processAlive, restartApacheKafkaNode, startApacheKafka, stopKafkaNodes } from './apache/start-apache-kafka.js';
export type { ApacheKafka, ApacheKafkaNode, StartApacheKafkaOptions } from './apache/start-apache-kafka.js';
export {
  apacheKafkaClasspath,
  apacheKafkaJarDir,
  apacheKafkaLog4j,
  apacheKafkaPom,
  apacheKafkaVersion,
  ensureApacheKafkaJars,
} from './apache/kafka-jars.js';
export type { ApacheKafkaJars } from './apache/kafka-jars.js';
export { brokerProperties } from './apache/broker-properties.js';
export type { KraftNode } from './apache/broker-properties.js';
export { SASL_SSL_MECHANISMS, saslSslProperties, withSaslSslListener } from './apache/sasl-ssl-listener.js';
export type { SaslSslListener } from './apache/sasl-ssl-listener.js';
export { addScramUser } from './apache/scram-users.js';
export { generateTestCertificates } from './apache/test-certificates.js';
export type { TestCertificates } from './apache/test-certificates.js';
