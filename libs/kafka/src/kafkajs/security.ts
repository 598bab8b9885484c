import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { kafkaAuthFailed, type KafkaSecurityMaterial, type KafkaSecuritySettings } from '../security.js';

/** kafkajs's `ssl` and `sasl` options for the material read from the security settings. */
export function kafkajsSecurityOptions(material: KafkaSecurityMaterial): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const { tls, sasl } = material;
  return {
    ...(tls ? { ssl: { ...tls, ...(tls.ca ? { ca: [tls.ca] } : {}) } } : {}),
    ...(sasl ? { sasl: { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions } : {}),
  };
}

/**
 * Runs a kafkajs connect, turning a refused SASL handshake into TW_KAFKA_AUTH_FAILED. kafkajs
 * already gives up at once on it (KafkaJSSASLAuthenticationError is not retriable); this names
 * the mechanism and the brokers so the log says what to fix.
 */
export async function connectNamingAuthFailures(
  connect: () => Promise<void>,
  security: KafkaSecuritySettings | undefined,
  brokers: readonly string[],
): Promise<void> {
  try {
    await connect();
  } catch (err) {
    if ((err as { name?: unknown } | null)?.name === 'KafkaJSSASLAuthenticationError') throw kafkaAuthFailed(err, security, brokers);
    throw err;
  }
}
