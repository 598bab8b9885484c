import type { Redis } from 'ioredis';
import { Counter, Gauge } from 'prom-client';
import { createConsumerRunner, type ConsumerRunner } from '@tidewater/kafka';
import type { Alert } from '@tidewater/schemas';
import { avroConsumerCodec, avroTopicWriter, type ServiceRuntime } from '@tidewater/service-runtime';
import type { AlertingConfig } from './config.js';
import { alertingErrors } from './errors.js';
import { createDeliveryQueue } from './delivery/index.js';
import { createDispatcher } from './dispatch/dispatcher.js';
import { createGroupState } from './dispatch/group-state.js';
import { systemClock, type Clock, type Notification } from './notification.js';
import { receiverFanout } from './receiver-fanout.js';
import { compileRouteTree, createInhibitor, groupKey, groupLabels, matchRoutes, type AlertingRuntimeConfig } from './routing/index.js';
import { createSilenceStore, registerSilenceRoutes, silencedBy, type Silence } from './silences/index.js';
import { deliveryFailedAlert } from './self-alert.js';

export type AlertingDeps = Pick<
  ServiceRuntime,
  'kafka' | 'logger' | 'metrics' | 'producer' | 'schemaRegistry' | 'deadLetterWriter' | 'http'
> & {
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
  start(): Promise<void>;
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
  registerSilenceRoutes(deps.http, { store: silences, clock });
  const alertsOut = await avroTopicWriter(deps.schemaRegistry, config.TOPIC_ALERTS, 'alert', config.SCHEMA_AUTO_REGISTER);
  const parkedLetters = deps.deadLetterWriter(config.TOPIC_ALERTS_DLQ);

  const queue = createDeliveryQueue({
    redis: deps.redis,
    keyPrefix: `${prefix}delivery:`,
    receivers: fanout.endpoints,
    logger: deps.logger,
    clock,
    metrics: deps.metrics,
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
      await deps.producer.send(alertsOut.topic, [{ key: alertsOut.key.encode(alert.fingerprint), value: alertsOut.value.encode(alert) }]);
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

  const consumer = createConsumerRunner<Alert>({
    kafka: deps.kafka,
    groupId: config.CONSUMER_GROUP,
    topics: [config.TOPIC_ALERTS],
    logger: deps.logger,
    registry: deps.metrics,
    deadLetters: parkedLetters,
    ...avroConsumerCodec(deps.schemaRegistry, 'alert'),
    handle: async (records) => {
      for (const r of records) {
        await dispatcher.ingest(r.value);
        m.received.inc({ status: r.value.status });
      }
    },
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
    async start() {
      await consumer.start();
      if (closed) return; // SIGTERM during boot: do not start timers against closing resources
      queue.start();
      timer = setInterval(() => {
        // One pass at a time; a slow Redis must not pile passes up.
        ticking ??= tick()
          .catch((err: unknown) => deps.logger.warn({ err }, 'alerting tick failed; retrying next tick'))
          .finally(() => (ticking = undefined));
      }, config.ALERTING_TICK_MS);
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
