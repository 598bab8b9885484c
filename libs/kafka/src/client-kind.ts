/** Which client library speaks to Kafka behind the seam (issue 19). */
export type KafkaClientKind = 'kafkajs' | 'platformatic';

export const KAFKA_CLIENT_KINDS: readonly KafkaClientKind[] = ['kafkajs', 'platformatic'];

let fromEnv: KafkaClientKind | undefined;

/**
 * `KAFKA_CLIENT` from the environment, read once (kafkajs when unset or empty): the client of
 * tools and tests that do not name one, so one variable runs a whole suite on either library.
 */
export function kafkaClientFromEnv(): KafkaClientKind {
  if (fromEnv) return fromEnv;
  const raw = process.env['KAFKA_CLIENT']?.trim() || 'kafkajs';
  if (!(KAFKA_CLIENT_KINDS as readonly string[]).includes(raw)) {
    throw new TypeError(`KAFKA_CLIENT must be one of ${KAFKA_CLIENT_KINDS.join(', ')}, not ${JSON.stringify(raw)}`);
  }
  fromEnv = raw as KafkaClientKind;
  return fromEnv;
}
