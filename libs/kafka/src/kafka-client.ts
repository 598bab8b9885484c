import { Kafka, logLevel, type logCreator } from 'kafkajs';
import { defaultClientRetry } from './client-retry.js';
import type { Logger } from 'pino';
import type { KafkaAdmin } from './admin.js';
import type { KafkaConsumer, KafkaConsumerOptions } from './consumer.js';
import { kafkajsAdmin } from './kafkajs/admin.js';
import { kafkajsConsumer } from './kafkajs/consumer.js';
import { kafkaClientFromEnv, type KafkaClientKind } from './client-kind.js';
import { createPlatformaticClient } from './platformatic/client.js';
import type { SpanServer } from './trace-context.js';
import { readKafkaSecurity, type KafkaSecuritySettings } from './security.js';
import { connectNamingAuthFailures, kafkajsSecurityOptions } from './kafkajs/security.js';

/** How much of the client library's own logging to keep. */
export type KafkaClientLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

export interface KafkaClientSettings {
  readonly brokers: readonly string[];
  /**
   * The client library: kafkajs (patched, the default) or @platformatic/kafka. Services set it from
   * their config (`KAFKA_CLIENT`); when omitted, tools and tests get `KAFKA_CLIENT` from the
   * environment, read once, so one variable runs a whole test suite on either client.
   */
  readonly client?: KafkaClientKind;
  readonly clientId: string;
  /** Where the client library's own log lines go; without one it logs nothing. */
  readonly logger?: Logger;
  /** The library's verbosity; `warn` by default, since kafkajs's INFO lines describe every rebalance step. */
  readonly logLevel?: KafkaClientLogLevel;
  /**
   * Connection and request retries (milliseconds): by default from 200 ms, doubling up to 1 s, 50 of
   * them (about 50 s before an operation gives up, as kafkajs's 8 doublings to its 30 s cap took).
   */
  readonly retry?: { readonly retries?: number; readonly initialRetryTime?: number; readonly maxRetryTime?: number };
  /** How long to wait for a broker connection, in milliseconds (kafkajs's default is 1 s). */
  readonly connectionTimeout?: number;
  /** Settings for every consumer of this client, over the consumer runner's defaults and under its options. */
  readonly consumerDefaults?: Partial<Omit<KafkaConsumerOptions, 'groupId'>>;
  /** TLS and SASL (files read when the client is created); PLAINTEXT without. */
  readonly security?: KafkaSecuritySettings | undefined;
}

/**
 * A connection to one cluster, from which producers, consumer runners and admins are made. Opaque:
 * the library behind it (kafkajs today; issue 19 adds a second) stays inside this package.
 */
export interface KafkaClient {
  readonly clientId: string;
  /** The first bootstrap broker, for the `server.address`/`server.port` span attributes. */
  readonly server: SpanServer | undefined;
  /** A new admin client (connect it before use, disconnect it after). */
  admin(): KafkaAdmin;
  /** A new plain consumer, for tools and tests that read topics themselves; services use a consumer runner. */
  consumer(opts: KafkaConsumerOptions): KafkaConsumer;
}

const levels: Record<KafkaClientLogLevel, logLevel> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

const levelNames: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** Sends kafkajs's own log lines through the service's pino logger, as structured JSON. */
function pinoLogCreator(logger: Logger): logCreator {
  const log = logger.child({ component: 'kafkajs' });
  return () =>
    ({ level, log: entry }) => {
      const { message, ...rest } = entry;
      log[levelNames[level] ?? 'info'](rest, message);
    };
}

// The kafkajs instance behind each client and its consumer defaults, for this package's factories only.
const kafkajsClients = new WeakMap<
  KafkaClient,
  { kafka: Kafka; consumerDefaults: KafkaClientSettings['consumerDefaults']; connect: (connect: () => Promise<void>) => Promise<void> }
>();

function internals(client: KafkaClient) {
  const found = kafkajsClients.get(client);
  if (!found) throw new TypeError('not a client made by createKafkaClient');
  return found;
}

/** The kafkajs client behind `client`; internal to this package. */
export function kafkajsOf(client: KafkaClient): Kafka {
  return internals(client).kafka;
}

/** Runs a kafkajs connect of this client, a refused SASL handshake becoming TW_KAFKA_AUTH_FAILED; internal to this package. */
export function connectOf(client: KafkaClient): (connect: () => Promise<void>) => Promise<void> {
  return internals(client).connect;
}

/** The client's `consumerDefaults`; internal to this package. */
export function consumerDefaultsOf(client: KafkaClient): KafkaClientSettings['consumerDefaults'] {
  return internals(client).consumerDefaults;
}

function firstBroker(brokers: readonly string[]): SpanServer | undefined {
  const first = brokers[0];
  if (!first) return undefined;
  const colon = first.lastIndexOf(':');
  const port = colon > 0 ? Number(first.slice(colon + 1)) : undefined;
  return { address: colon > 0 ? first.slice(0, colon) : first, port: Number.isInteger(port) ? port : undefined };
}

/** A Kafka client wired to the service logger. */
export function createKafkaClient(settings: KafkaClientSettings): KafkaClient {
  if ((settings.client ?? kafkaClientFromEnv()) === 'platformatic')
    return createPlatformaticClient(settings, firstBroker(settings.brokers));
  const level = settings.logger ? (settings.logLevel ?? 'warn') : 'nothing';
  const kafka = new Kafka({
    brokers: [...settings.brokers],
    clientId: settings.clientId,
    logLevel: levels[level],
    ...(settings.logger ? { logCreator: pinoLogCreator(settings.logger) } : {}),
    retry: { ...defaultClientRetry, ...settings.retry },
    ...(settings.connectionTimeout === undefined ? {} : { connectionTimeout: settings.connectionTimeout }),
    ...kafkajsSecurityOptions(readKafkaSecurity(settings.security)),
  });
  const connect = (c: () => Promise<void>) => connectNamingAuthFailures(c, settings.security, settings.brokers);
  const client: KafkaClient = {
    clientId: settings.clientId,
    server: firstBroker(settings.brokers),
    admin: () => kafkajsAdmin(kafka.admin(), connect),
    consumer: (opts) => kafkajsConsumer(kafka, { ...settings.consumerDefaults, ...opts }, connect),
  };
  kafkajsClients.set(client, { kafka, consumerDefaults: settings.consumerDefaults, connect });
  return client;
}

/** Readiness probe: the cluster answers a metadata request for the given topics. `close` disconnects its admin client. */
export function kafkaReadinessCheck(
  kafka: KafkaClient,
  topics: readonly string[],
): { check: () => Promise<void>; close: () => Promise<void> } {
  const admin = kafka.admin();
  let connected: Promise<void> | undefined;
  return {
    async check() {
      connected ??= admin.connect().catch((err: unknown) => {
        connected = undefined;
        throw err;
      });
      await connected;
      await admin.fetchTopicMetadata({ topics: [...topics] });
    },
    close: () => (connected ? admin.disconnect() : Promise.resolve()),
  };
}
