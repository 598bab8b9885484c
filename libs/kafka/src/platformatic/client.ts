import { SASLMechanisms, type BaseOptions } from '@platformatic/kafka';
import { defaultClientRetry } from '../client-retry.js';
import type { KafkaClient, KafkaClientSettings } from '../kafka-client.js';
import { readKafkaSecurity, type KafkaSaslMechanism, type KafkaSecurityMaterial } from '../security.js';
import type { SpanServer } from '../trace-context.js';
import { platformaticAdmin } from './admin.js';
import { platformaticConsumer } from './consumer.js';

// The settings behind each client backed by @platformatic/kafka, for this package's factories only.
const settingsOf = new WeakMap<KafkaClient, KafkaClientSettings>();
// The TLS and SASL material of each client's settings, read once when the client is created.
const securityOf = new WeakMap<KafkaClientSettings, KafkaSecurityMaterial>();

const mechanisms: Record<
  KafkaSaslMechanism,
  BaseOptions['sasl'] extends infer S ? (S extends { mechanism: infer M } ? M : never) : never
> = {
  plain: SASLMechanisms.PLAIN,
  'scram-sha-256': SASLMechanisms.SCRAM_SHA_256,
  'scram-sha-512': SASLMechanisms.SCRAM_SHA_512,
};

/** @platformatic/kafka's `tls` and `sasl` options for the security material. */
function securityOptions(material: KafkaSecurityMaterial): Pick<BaseOptions, 'tls' | 'sasl'> {
  const { tls, sasl } = material;
  return {
    ...(tls ? { tls: { ...tls } } : {}),
    ...(sasl ? { sasl: { mechanism: mechanisms[sasl.mechanism], username: sasl.username, password: sasl.password } } : {}),
  };
}

/** The settings of a client backed by @platformatic/kafka, or undefined for another library; internal to this package. */
export function platformaticSettingsOf(client: KafkaClient): KafkaClientSettings | undefined {
  return settingsOf.get(client);
}

/**
 * The options every producer, consumer and admin of a client starts from. The retries are the
 * kafkajs client's (`defaultClientRetry`, or `settings.retry`): as many, with the same doubling
 * backoff and cap; `connectionTimeout` maps to `connectTimeout`.
 */
export function baseOptions(settings: KafkaClientSettings): BaseOptions {
  const retry = { ...defaultClientRetry, ...settings.retry };
  const initial = retry.initialRetryTime;
  const max = retry.maxRetryTime;
  return {
    clientId: settings.clientId,
    bootstrapBrokers: [...settings.brokers],
    retries: retry.retries,
    retryDelay: (_client, _op, attempt) => Math.min(max, initial * 2 ** Math.max(0, attempt - 1)),
    ...(settings.connectionTimeout === undefined ? {} : { connectTimeout: settings.connectionTimeout }),
    ...securityOptions(securityOf.get(settings) ?? readKafkaSecurity(settings.security)),
  };
}

/** A KafkaClient whose producers, consumers and admins are @platformatic/kafka clients. */
export function createPlatformaticClient(settings: KafkaClientSettings, server: SpanServer | undefined): KafkaClient {
  securityOf.set(settings, readKafkaSecurity(settings.security));
  const client: KafkaClient = {
    clientId: settings.clientId,
    server,
    admin: () => platformaticAdmin(settings),
    consumer: (opts) => platformaticConsumer(settings, { ...settings.consumerDefaults, ...opts }),
  };
  settingsOf.set(client, settings);
  return client;
}
