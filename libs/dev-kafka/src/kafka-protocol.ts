/**
 * Kafka protocol request types (ApiKey) accepted by `pushRequestErrors` / `clearRequestErrors`.
 * Numbers are the wire protocol's, not a Tidewater invention.
 */
export const KafkaApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  ApiVersions: 18,
  InitProducerId: 22,
  OffsetForLeaderEpoch: 23,
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  TxnOffsetCommit: 28,
} as const;

/** Kafka protocol error codes most useful for fault injection (wire protocol numbers). */
export const KafkaErrorCode = {
  UNKNOWN_SERVER_ERROR: -1,
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_OR_FOLLOWER: 6,
  REQUEST_TIMED_OUT: 7,
  MESSAGE_TOO_LARGE: 10,
  NETWORK_EXCEPTION: 13,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  NOT_ENOUGH_REPLICAS: 19,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  ILLEGAL_GENERATION: 22,
  UNKNOWN_MEMBER_ID: 25,
  REBALANCE_IN_PROGRESS: 27,
  TOPIC_AUTHORIZATION_FAILED: 29,
  POLICY_VIOLATION: 44,
  INVALID_PRODUCER_EPOCH: 47,
} as const;

/**
 * Not a Kafka code: librdkafka's `RD_KAFKA_RESP_ERR__TRANSPORT`. Pushed as a request error, it
 * makes the mock broker drop the client's connection instead of answering.
 */
export const MOCK_DISCONNECT_ERROR = -195;

/** Broker id meaning "every broker" for `brokerDown`, `brokerUp` and `setBrokerRtt`. */
export const ALL_BROKERS = -1;
