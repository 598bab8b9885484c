// Moved to @tidewater/test-support; this re-export goes once the last importer has switched.
export { createTopics, mockKafkaControl, stackEndpoints, testKafka, testStack, uniqueName } from '@tidewater/test-support';
