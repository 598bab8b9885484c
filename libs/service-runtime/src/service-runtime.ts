import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import type { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import {
  createDeadLetterWriter,
  createKafkaClient,
  createProducer,
  describeKafkaSecurity,
  kafkaErrors,
  kafkaReadinessCheck,
  type ConsumerRunner,
  type DeadLetterWriter,
  type KafkaClient,
  type KafkaClientKind,
  type TidewaterProducer,
} from '@tidewater/kafka';
import { createShutdown, exitOnSignals, type Shutdown } from '@tidewater/lifecycle';
import { createLogger, flushLogger, type Logger } from '@tidewater/logging';
import { createApiServer, createMetricsRegistry, createOpsServer, type AuthScope, type ReadinessCheck } from '@tidewater/ops-server';
import { startTracing, type TracingHandle } from '@tidewater/tracing';
import { connectServiceRedis } from './redis-connection.js';
import { kafkaSecurityOf, redisSecurityOptions, schemaRegistryClientConfig, type SecurityConfig } from './security-settings.js';

/** The settings the runtime needs; every service config schema includes them. */
export interface RuntimeConfig extends SecurityConfig {
  readonly KAFKA_BROKERS: readonly string[];
  readonly KAFKA_CLIENT_ID?: string | undefined;
  /** The client library behind the Kafka seam; without it, `KAFKA_CLIENT` from the environment. */
  readonly KAFKA_CLIENT?: KafkaClientKind | undefined;
  /** How often consumer runners commit; unset, @tidewater/kafka's default. */
  readonly KAFKA_COMMIT_INTERVAL_MS?: number | undefined;
  readonly SCHEMA_REGISTRY_URL: string;
  readonly HTTP_HOST: string;
  readonly HTTP_PORT: number;
  readonly LOG_LEVEL: string;
  readonly SHUTDOWN_TIMEOUT_MS: number;
}

/** The parts every service is built from; `createApp(deps)` of each service takes a subset. */
export interface ServiceRuntime {
  readonly service: string;
  readonly logger: Logger;
  readonly tracing: TracingHandle;
  readonly metrics: Registry;
  readonly kafka: KafkaClient;
  readonly schemaRegistry: SchemaRegistryClient;
  readonly producer: TidewaterProducer;
  readonly shutdown: Shutdown;
  readonly http: FastifyInstance;
  /** A dead-letter writer on the given topic, sharing the runtime's producer. */
  deadLetterWriter(topic: string): DeadLetterWriter;
  /** Adds a readiness check to /readyz (kafka and schema-registry are there already). */
  addReadinessCheck(name: string, check: ReadinessCheck): void;
  /**
   * Connects to Redis (failing the boot when it does not answer; connection errors go to the log, and
   * a Redis that may evict keys is named at start), closes it at shutdown after
   * whatever the service adds later, and adds `redis` to /readyz. A command fails after 3
   * reconnect attempts: the Kafka input redelivers, the HTTP APIs answer 503. AUTH and TLS come from
   * the config's REDIS_USERNAME, REDIS_PASSWORD_FILE and REDIS_TLS_CA_FILE; a refused AUTH fails the
   * boot at once with TW_RUNTIME_REDIS_AUTH_FAILED.
   */
  connectRedis(url: string): Promise<Redis>;
  /**
   * Makes the consumer the first thing shutdown stops, and turns a consumer crash that the client
   * will not restart into readiness failing and a shutdown with exit code 1 (a live process
   * that consumes nothing would look healthy forever).
   */
  superviseConsumer(consumer: ConsumerRunner): void;
  /**
   * A server of the service's authenticated APIs (issue 17), on a port of its own, apart from
   * /metrics, /healthz and /readyz: each scope's bearer tokens are checked before routing, and an open
   * scope (no token outside production) is logged as a warning. One per API that a NetworkPolicy must
   * tell apart (inference: admin and OIP); call before listen().
   */
  apiServer(opts: ApiServerSettings): FastifyInstance;
  /** Starts the HTTP servers and installs signal handlers; call once the app is wired. `apiPorts` in apiServer() order. */
  listen(): Promise<{ port: number; apiPorts: readonly number[] }>;
}

/** Where the API server listens and who may call it. */
export interface ApiServerSettings {
  /** The API, for logs: `admin`, `oip`, `silences`. */
  readonly name: string;
  readonly port: number;
  /** Default: the ops server's HTTP_HOST. */
  readonly host?: string | undefined;
  readonly scopes: readonly AuthScope[];
}

/**
 * Wires what every service shares, in the order it must be closed in reverse: logs and
 * telemetry first (flushed last), then the producer, then the HTTP server. The service adds
 * its consumer last so that it is the first thing to stop on SIGTERM.
 */
export async function startServiceRuntime(opts: {
  service: string;
  config: RuntimeConfig;
  readinessTopics: readonly string[];
  /**
   * 'await' (the default): boot waits until the producer has connected to Kafka, and fails when it
   * cannot. 'background': boot goes on and the producer keeps connecting, for a service with work
   * that does not need Kafka (alerting delivers from Redis); until it connects, sends fail at once
   * and /readyz reports kafka as not ready.
   */
  kafkaAtBoot?: 'await' | 'background';
}): Promise<ServiceRuntime> {
  const { config, service } = opts;
  const tracing = startTracing({ serviceName: `tidewater-${service}` });
  const logger = createLogger({ service, level: config.LOG_LEVEL });
  const shutdown = createShutdown({ logger, deadlineMs: config.SHUTDOWN_TIMEOUT_MS });
  shutdown.add('logs', () => flushLogger(logger), { always: true });
  shutdown.add('telemetry', () => tracing.shutdown(), { always: true });

  const metrics = createMetricsRegistry(service);
  // TLS, SASL and basic auth from the files the config names (issue 17); the log gets the protocol, never a secret.
  const security = kafkaSecurityOf(config);
  logger.info({ kafka: describeKafkaSecurity(security) }, 'Kafka connection security');
  const kafka = createKafkaClient({
    brokers: config.KAFKA_BROKERS,
    clientId: config.KAFKA_CLIENT_ID ?? `tidewater-${service}`,
    ...(config.KAFKA_CLIENT ? { client: config.KAFKA_CLIENT } : {}),
    ...(config.KAFKA_COMMIT_INTERVAL_MS === undefined ? {} : { consumerDefaults: { commitIntervalMs: config.KAFKA_COMMIT_INTERVAL_MS } }),
    logger,
    security,
  });
  const schemaRegistry = new SchemaRegistryClient(schemaRegistryClientConfig(config.SCHEMA_REGISTRY_URL, config));
  const producer = createProducer({ kafka, logger });
  if (opts.kafkaAtBoot === 'background') {
    const connecting = connectInBackground(producer, logger, () => shutdown.closing);
    shutdown.add('producer', async () => {
      connecting.stop();
      await producer.close();
    });
  } else {
    await producer.start();
    shutdown.add('producer', () => producer.close());
  }

  const kafkaProbe = kafkaReadinessCheck(kafka, opts.readinessTopics);
  shutdown.add('readiness-probe', () => kafkaProbe.close());
  let consumerCrashed = false;
  const readiness: Record<string, ReadinessCheck> = {
    kafka: kafkaProbe.check,
    consumer: async () => {
      if (consumerCrashed) throw kafkaErrors.create('TW_KAFKA_CONSUMER_CRASHED', 'the consumer crashed and will not restart');
    },
    'schema-registry': async () => {
      await schemaRegistry.getAllSubjects();
    },
  };
  const ops = createOpsServer({ registry: metrics, readiness, logger });
  shutdown.add('http', async () => {
    await ops.app.close();
  });
  const apis: { app: FastifyInstance; settings: ApiServerSettings }[] = [];
  let listening: Promise<{ port: number; apiPorts: readonly number[] }> | undefined;

  return {
    service,
    logger,
    tracing,
    metrics,
    kafka,
    schemaRegistry,
    producer,
    shutdown,
    http: ops.app,
    apiServer(settings) {
      const app = createApiServer({ registry: metrics, logger, realm: `tidewater-${service}`, scopes: settings.scopes });
      for (const scope of settings.scopes)
        if (scope.auth.mode === 'open')
          logger.warn(
            { api: settings.name, scope: scope.prefix, reason: scope.auth.reason },
            'API without authentication: anyone reaching its port may call it',
          );
        else
          logger.info(
            { api: settings.name, scope: scope.prefix, tokens: scope.auth.tokens.length, source: scope.auth.source },
            'API takes bearer tokens',
          );
      // Closed with the ops server: both stop taking requests before the consumer's drain ends.
      shutdown.add(`${settings.name}-http`, async () => {
        await app.close();
      });
      apis.push({ app, settings });
      return app;
    },
    deadLetterWriter: (topic) => createDeadLetterWriter({ producer, topic, service, registry: metrics }),
    addReadinessCheck(name, check) {
      readiness[name] = check;
    },
    async connectRedis(url) {
      const redis = await connectServiceRedis(url, logger, redisSecurityOptions(config));
      shutdown.add('redis', async () => void (await redis.quit()));
      readiness['redis'] = async () => void (await redis.ping());
      return redis;
    },
    superviseConsumer(consumer) {
      shutdown.add('consumer', () => consumer.close());
      void consumer.crashed().then(async (err: unknown) => {
        consumerCrashed = true;
        logger.fatal({ err }, 'consumer crashed for good; shutting down');
        await shutdown.run('consumer crashed');
        process.exit(1);
      });
    },
    listen() {
      listening ??= (async () => {
        // Readiness turns 503 before anything else closes, so load balancers stop sending first,
        // and sends waiting out a Kafka outage give up so the consumer can drain within the deadline.
        shutdown.add('readiness', async () => {
          ops.markClosing();
          producer.stopResending();
        });
        exitOnSignals(shutdown, logger);
        const port = await listenOn(ops.app, config.HTTP_HOST, config.HTTP_PORT);
        const apiPorts: number[] = [];
        for (const api of apis) apiPorts.push(await listenOn(api.app, api.settings.host ?? config.HTTP_HOST, api.settings.port));
        logger.info({ port, ...Object.fromEntries(apis.map((a, i) => [`${a.settings.name}Port`, apiPorts[i]])) }, `${service} listening`);
        return { port, apiPorts };
      })();
      return listening;
    },
  };
}

async function listenOn(app: FastifyInstance, host: string, port: number): Promise<number> {
  await app.listen({ host, port });
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : port;
}

/**
 * Connects the producer until it succeeds or shutdown begins. kafkajs gives up a connect after its
 * bounded retries (seconds when connections are refused), so this tries again after a pause; sends
 * meanwhile fail at once.
 */
function connectInBackground(producer: TidewaterProducer, logger: Logger, closing: () => boolean): { stop(): void } {
  let stopped = false;
  let wake: (() => void) | undefined;
  void (async () => {
    for (let attempt = 1; !stopped && !closing(); attempt++) {
      try {
        await producer.start();
        if (attempt > 1) logger.info({ attempt }, 'producer connected to Kafka');
        return;
      } catch (err) {
        if (stopped || closing()) return;
        logger.warn({ err, attempt }, 'producer cannot reach Kafka; trying again');
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.min(30_000, 1000 * attempt)).unref();
        });
      }
    }
  })();
  return {
    stop() {
      stopped = true;
      wake?.();
    },
  };
}

/** Logs a boot failure with every detail (config problems included) and exits non-zero. */
export async function failBoot(service: string, err: unknown): Promise<never> {
  const logger = createLogger({ service });
  logger.fatal({ err }, `${service} failed to start`);
  await flushLogger(logger);
  process.exit(1);
}
