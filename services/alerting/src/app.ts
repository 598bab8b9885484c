import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { Counter, Gauge } from 'prom-client';
import { createConsumerRunner, type ConsumerRunner } from '@tidewater/kafka';
import type { Alert } from '@tidewater/schemas';
import { avroConsumerCodec, avroTopicWriter, type AvroTopicWriter, type ServiceRuntime } from '@tidewater/service-runtime';
import type { AlertingConfig } from './config.js';
import { alertingErrors } from './errors.js';
import { createDeliveryQueue, defaultReceiverTimeoutMs } from './delivery/index.js';
import { backgroundConsumer } from './dispatch/background-consumer.js';
import { createDispatcher } from './dispatch/dispatcher.js';
import { createGroupState } from './dispatch/group-state.js';
import { migrateAlertIdentities } from './dispatch/identity-migration.js';
import { identifyAlert } from './identity/index.js';
import { systemClock, type Clock, type Notification } from './notification.js';
import { receiverFanout } from './receiver-fanout.js';
import {
  compileRouteTree,
  createInhibitor,
  groupId,
  groupKey,
  groupLabels,
  matchRoutes,
  routeKeyById,
  type AlertingRuntimeConfig,
} from './routing/index.js';
import { createSilenceStore, registerSilenceRoutes, silencedBy, type Silence } from './silences/index.js';
import { deliveryFailedAlert } from './self-alert.js';

export type AlertingDeps = Pick<ServiceRuntime, 'kafka' | 'logger' | 'metrics' | 'producer' | 'schemaRegistry' | 'deadLetterWriter'> & {
  /** The server the silences API is added to: the runtime's API server, bearer-authenticated, apart from /metrics. */
  readonly api: FastifyInstance;
  readonly redis: Redis;
  readonly routing: AlertingRuntimeConfig;
  readonly config: Pick<
    AlertingConfig,
    | 'TOPIC_ALERTS'
    | 'TOPIC_ALERTS_DLQ'
    | 'CONSUMER_GROUP'
    | 'REDIS_KEY_PREFIX'
    | 'ALERTING_TICK_MS'
    | 'ALERTING_REPLICA_ID'
    | 'SCHEMA_AUTO_REGISTER'
    | 'RUNBOOK_BASE_URL'
  >;
  readonly clock?: Clock;
};

export interface AlertingApp {
  readonly consumer: ConsumerRunner;
  /**
   * Starts delivery and group flushing from the state in Redis at once, and the alerts consumer in
   * the background: a Kafka outage at boot holds up neither (issue 21). First re-keys alerts stored
   * under fingerprints older than Alertmanager's (`migrateAlertIdentities`).
   */
  start(): Promise<void>;
  /** A readiness check: resolves once the alerts consumer has joined its group, else says what it waits for. */
  consumerJoined(): Promise<void>;
  /** One pass of the dispatcher: flush the groups that are due (the delivery queue has its own timer). */
  tick(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Alerting: alerts from the `alerts` topic go through Alertmanager's pipeline (routing tree,
 * grouping with group_wait/group_interval/repeat_interval, silences, inhibition) on state kept in
 * Redis, and notifications leave through a Redis-backed delivery queue (retries, Retry-After,
 * one message per second per webhook). A notification refused for good is parked on alerts.dlq and
 * raised as an AlertDeliveryFailed alert. An alert's offset is committed once it is in Redis, so a
 * restart between receiving and delivering loses nothing.
 */
export async function createApp(deps: AlertingDeps): Promise<AlertingApp> {
  const { config, routing } = deps;
  const clock = deps.clock ?? systemClock;
  const prefix = config.REDIS_KEY_PREFIX;
  const registers = [deps.metrics];
  const m = {
    received: new Counter({ name: 'tw_alerting_alerts_received_total', help: 'Alerts read from Kafka', labelNames: ['status'], registers }),
    muted: new Counter({
      name: 'tw_alerting_alerts_muted_total',
      help: 'Alerts left out of a notification',
      labelNames: ['reason'],
      registers,
    }),
    groups: new Gauge({ name: 'tw_alerting_groups_active', help: 'Aggregation groups holding alerts', registers }),
    firing: new Gauge({ name: 'tw_alerting_alerts_firing', help: 'Alerts firing now (silenced and inhibited ones included)', registers }),
    flushFailures: new Counter({
      name: 'tw_alerting_flush_failures_total',
      help: 'Group flushes that failed and will be retried',
      registers,
    }),
    parked: new Counter({
      name: 'tw_alerting_notifications_parked_total',
      help: 'Notifications refused for good',
      labelNames: ['code'],
      registers,
    }),
  };

  const tree = compileRouteTree(routing.route);
  const inhibitor = createInhibitor(routing.inhibitRules);
  const fanout = receiverFanout(routing);
  const silences = createSilenceStore(deps.redis, { keyPrefix: `${prefix}silences:` });
  registerSilenceRoutes(deps.api, { store: silences, clock });
  // Resolved when first needed, not at boot: the registry may be out of reach with Kafka, and
  // delivery must start regardless. A failed lookup is tried again the next time.
  let alertsWriter: Promise<AvroTopicWriter<Alert>> | undefined;
  const alertsOut = () =>
    (alertsWriter ??= avroTopicWriter(deps.schemaRegistry, config.TOPIC_ALERTS, 'alert', config.SCHEMA_AUTO_REGISTER).catch(
      (err: unknown) => {
        alertsWriter = undefined;
        throw err;
      },
    ));
  const parkedLetters = deps.deadLetterWriter(config.TOPIC_ALERTS_DLQ);
  // A lease outlasts the slowest receiver's timeout, so a send in flight is never taken by another replica.
  const longestTimeoutMs = Math.max(0, ...[...fanout.endpoints.values()].map((e) => e.timeoutMs ?? defaultReceiverTimeoutMs));

  const queue = createDeliveryQueue({
    redis: deps.redis,
    keyPrefix: `${prefix}delivery:`,
    receivers: fanout.endpoints,
    logger: deps.logger,
    clock,
    metrics: deps.metrics,
    leaseMs: Math.max(60_000, longestTimeoutMs + 30_000),
    onDelivered: (n, attempts) => {
      deps.logger.info(
        { receiver: n.receiver, groupKey: n.groupKey, status: n.status, alerts: n.alerts.length, attempts },
        'notification delivered',
      );
    },
    onParked: async (n, err) => {
      m.parked.inc({ code: err.code });
      deps.logger.error(
        { err, receiver: n.receiver, groupKey: n.groupKey },
        'notification refused for good; parked on the dead-letter topic',
      );
      await parkedLetters.write([
        {
          key: Buffer.from(n.groupKey),
          value: Buffer.from(JSON.stringify(n)),
          source: { kind: 'http', requestId: n.id },
          error: { code: err.code, message: err.message, retriable: false },
        },
      ]);
      // The alerting path itself is broken: say so through it, unless this is already that alert (no loops).
      if (n.alerts.every((a) => a.labels['alertname'] === 'AlertDeliveryFailed')) return;
      const alert = deliveryFailedAlert(n, err, clock.now(), config.RUNBOOK_BASE_URL);
      const out = await alertsOut();
      await deps.producer.send(out.topic, [{ key: out.key.encode(alert.fingerprint), value: out.value.encode(alert) }]);
    },
  });

  let activeSilences: readonly Silence[] = [];
  const groups = createGroupState(deps.redis, `${prefix}groups:`);
  const dispatcher = createDispatcher({
    groups,
    route: (labels) =>
      matchRoutes(tree, labels).map((r) => ({
        routeId: r.id,
        receiver: r.receiver,
        groupId: groupId(r, labels),
        groupKey: groupKey(r, labels),
        groupLabels: groupLabels(r, labels),
        groupWaitMs: r.groupWaitMs,
        groupIntervalMs: r.groupIntervalMs,
        repeatIntervalMs: r.repeatIntervalMs,
      })),
    muting: {
      silencedBy: (labels, now) => silencedBy(labels, activeSilences, now),
      inhibited: (labels, firing) => inhibitor.inhibitedBy(labels, firing),
      usesFiringAlerts: routing.inhibitRules.length > 0,
    },
    sendResolved: fanout.sendsResolved,
    enqueue: async (n: Notification) => {
      const parts = fanout.split(n);
      // A group made under an older config can name a receiver that no longer exists: say so, loudly.
      if (parts.length === 0)
        throw alertingErrors.create('TW_ALERT_RECEIVER_UNKNOWN', `receiver ${n.receiver} is not configured`, {
          details: { groupKey: n.groupKey },
        });
      for (const one of parts) await queue.enqueue(one);
    },
    onFlushFailed: (groupKey, err) => {
      m.flushFailures.inc();
      deps.logger.error({ err, groupKey }, 'group flush failed; it stays due and is retried on the next tick');
    },
    clock,
    owner: config.ALERTING_REPLICA_ID,
    onMuted: (reason) => m.muted.inc({ reason }),
  });

  const codec = avroConsumerCodec(deps.schemaRegistry, 'alert');
  const consumer = backgroundConsumer({
    groupId: config.CONSUMER_GROUP,
    logger: deps.logger,
    make: () =>
      createConsumerRunner<Alert>({
        kafka: deps.kafka,
        groupId: config.CONSUMER_GROUP,
        topics: [config.TOPIC_ALERTS],
        logger: deps.logger,
        registry: deps.metrics,
        deadLetters: parkedLetters,
        ...codec,
        handle: async (records) => {
          for (const r of records) {
            // Keyed as Alertmanager keys alerts, whatever fingerprint the producer computed.
            await dispatcher.ingest(identifyAlert(r.value));
            m.received.inc({ status: r.value.status });
          }
        },
      }),
  });

  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;
  // Dispatching and delivery run on separate timers: a slow receiver or a full queue must not stop
  // groups from flushing, and a failing group must not stop the queue from draining.
  async function tick(): Promise<void> {
    activeSilences = await silences.active(clock.now());
    await dispatcher.tick();
    m.groups.set(await groups.groupCount());
    m.firing.set(await groups.firingCount());
  }

  let closed: Promise<void> | undefined;
  return {
    consumer,
    tick,
    consumerJoined: () => consumer.joined(),
    async start() {
      if (closed) return; // SIGTERM during boot: do not start timers against closing resources
      // Before groups flush or alerts arrive, so both see state keyed by Alertmanager's identities.
      const migrated = await migrateAlertIdentities(deps.redis, `${prefix}groups:`, (id) => routeKeyById(tree, id));
      if (migrated.groups + migrated.firing > 0) deps.logger.info(migrated, 'stored alerts re-keyed to Alertmanager identities');
      if (closed) return;
      queue.start();
      timer = setInterval(() => {
        // One pass at a time; a slow Redis must not pile passes up.
        ticking ??= tick()
          .catch((err: unknown) => deps.logger.warn({ err }, 'alerting tick failed; retrying next tick'))
          .finally(() => (ticking = undefined));
      }, config.ALERTING_TICK_MS);
      // Not awaited: it retries until Kafka answers, and readiness says so meanwhile.
      void consumer.start();
    },
    close() {
      closed ??= (async () => {
        clearInterval(timer);
        await consumer.close();
        await ticking;
        await queue.close();
      })();
      return closed;
    },
  };
}
