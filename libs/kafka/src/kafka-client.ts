import { Kafka, logLevel, type KafkaConfig, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';

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

export interface KafkaClientSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logger: Logger;
  /** kafkajs's own verbosity; WARN by default since its INFO lines describe every rebalance step. */
  readonly logLevel?: logLevel;
  readonly extra?: Omit<KafkaConfig, 'brokers' | 'clientId' | 'logCreator' | 'logLevel'>;
}

// kafkajs does not say which brokers a client was given; spans name the first as `server.address`.
const bootstrapOf = new WeakMap<Kafka, { address: string; port: number | undefined }>();

/** A kafkajs client wired to the service logger. */
export function createKafkaClient(settings: KafkaClientSettings): Kafka {
  const kafka = new Kafka({
    brokers: [...settings.brokers],
    clientId: settings.clientId,
    logLevel: settings.logLevel ?? logLevel.WARN,
    logCreator: pinoLogCreator(settings.logger),
    retry: { initialRetryTime: 200, retries: 8 },
    ...settings.extra,
  });
  const first = settings.brokers[0];
  if (first) {
    const colon = first.lastIndexOf(':');
    const port = colon > 0 ? Number(first.slice(colon + 1)) : undefined;
    bootstrapOf.set(kafka, { address: colon > 0 ? first.slice(0, colon) : first, port: Number.isInteger(port) ? port : undefined });
  }
  return kafka;
}

/** The client's first bootstrap broker, for the `server.address`/`server.port` span attributes. */
export function kafkaServer(kafka: Kafka): { address: string; port: number | undefined } | undefined {
  return bootstrapOf.get(kafka);
}

/** Readiness probe: the cluster answers a metadata request for the given topics. `close` disconnects its admin client. */
export function kafkaReadinessCheck(kafka: Kafka, topics: readonly string[]): { check: () => Promise<void>; close: () => Promise<void> } {
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
