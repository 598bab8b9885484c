import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { createConsumerRunner, type ConsumedRecord, type ConsumerRunner } from '@tidewater/kafka';
import { avroConsumerCodec, avroReader, avroTopicWriter, type ServiceRuntime } from '@tidewater/service-runtime';
import type { FeatureVector, PaymentEvent } from '@tidewater/schemas';
import { defaultPartitionsConcurrently, type FeatureConfig } from './config.js';
import { featureErrors } from './errors.js';
import { defaultFeatureSetPath, evaluateFeatures, loadFeatureSet, type FeatureSet } from '@tidewater/feature-set';
import { featureMetrics } from './metrics.js';
import { registerServingRoutes } from './serving/routes.js';
import { createOnlineStore, type OnlineStore } from './state/online-store.js';
import { createWindowState, type EventState } from './state/window-state.js';

export type FeatureDeps = Pick<ServiceRuntime, 'kafka' | 'logger' | 'metrics' | 'producer' | 'schemaRegistry' | 'deadLetterWriter'> & {
  readonly redis: Redis;
  readonly config: Pick<
    FeatureConfig,
    'TOPIC_EVENTS_VALID' | 'TOPIC_EVENTS_DLQ' | 'TOPIC_FEATURES' | 'CONSUMER_GROUP' | 'SCHEMA_AUTO_REGISTER' | 'REDIS_KEY_PREFIX'
  > &
    Partial<Pick<FeatureConfig, 'FEATURE_SET_FILE' | 'ONLINE_STORE_TTL_MS' | 'PARTITIONS_CONCURRENTLY' | 'STATE_KEYS_INTERVAL_MS'>>;
  /** The feature set to compute; else read from FEATURE_SET_FILE, else card-fraud.yaml. */
  readonly featureSet?: FeatureSet;
  /** Where to serve the online store (the runtime's ops server); omitted, nothing is served. */
  readonly http?: FastifyInstance;
  readonly now?: () => number;
  /** Called after each batch was published (the benchmark's per-batch latency). */
  readonly onBatch?: (events: number, ms: number) => void;
};

export interface FeatureApp {
  readonly consumer: ConsumerRunner;
  readonly featureSet: FeatureSet;
  readonly onlineStore: OnlineStore;
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Feature: PaymentEvents in, one FeatureVector per event out on `features` (keyed by entity),
 * window state and the online store in Redis. Per fetched batch: the window state (read, applied
 * in order, written back atomically per entity), then the online store, then Kafka; offsets are committed only
 * after Kafka acknowledged, and a redelivered batch changes no aggregate (ids already applied).
 */
export async function createApp(deps: FeatureDeps): Promise<FeatureApp> {
  const { config } = deps;
  const now = deps.now ?? Date.now;
  const featureSet = deps.featureSet ?? loadFeatureSet(config.FEATURE_SET_FILE ?? defaultFeatureSetPath);
  const out = await avroTopicWriter(deps.schemaRegistry, config.TOPIC_FEATURES, 'featureVector', config.SCHEMA_AUTO_REGISTER);
  const codec = avroConsumerCodec(deps.schemaRegistry, 'paymentEvent');
  const windows = createWindowState(deps.redis, featureSet, config.REDIS_KEY_PREFIX, {
    onUnreadable: (entity) =>
      deps.logger.error(
        { entity, code: 'TW_FEATURE_STATE_UNREADABLE' satisfies keyof typeof featureErrors.catalogue },
        'stored window state is unreadable; the entity starts again from empty',
      ),
  });
  const appliedBatches = new WeakMap<readonly ConsumedRecord<PaymentEvent>[], EventState[]>();
  const onlineStore = createOnlineStore(deps.redis, config.REDIS_KEY_PREFIX, config.ONLINE_STORE_TTL_MS ?? 86_400_000, {
    encoder: out.value,
    decoder: avroReader(deps.schemaRegistry, 'featureVector'),
  });
  const metrics = featureMetrics(deps.metrics);
  const notComputed = (feature: string) => metrics.notComputed.inc({ feature });
  // SCAN walks the whole keyspace, so it runs in the background, never on a scrape's clock.
  let counting: Promise<void> | undefined;
  const countStateKeys = () => {
    counting ??= countKeys(deps.redis, config.REDIS_KEY_PREFIX)
      .then((n) => metrics.stateKeys.set(n))
      .catch((err: unknown) => deps.logger.warn({ err }, 'cannot count state keys'))
      .finally(() => (counting = undefined));
  };
  const keyCounter = setInterval(countStateKeys, config.STATE_KEYS_INTERVAL_MS ?? 60_000);
  keyCounter.unref();
  if (deps.http) registerServingRoutes(deps.http, onlineStore, metrics);
  deps.logger.info(
    { featureSet: featureSet.name, version: featureSet.version, features: featureSet.outputNames.length },
    'feature set loaded',
  );

  const timed = async <T>(op: string, fn: () => Promise<T>): Promise<T> => {
    const end = metrics.redisSeconds.startTimer({ op });
    try {
      return await fn();
    } finally {
      end();
    }
  };

  const consumer = createConsumerRunner<PaymentEvent>({
    kafka: deps.kafka,
    groupId: config.CONSUMER_GROUP,
    topics: [config.TOPIC_EVENTS_VALID],
    logger: deps.logger,
    registry: deps.metrics,
    deadLetters: deps.deadLetterWriter(config.TOPIC_EVENTS_DLQ),
    partitionsConsumedConcurrently: config.PARTITIONS_CONCURRENTLY ?? defaultPartitionsConcurrently,
    ...codec,
    handle: async (records, tools) => {
      const started = performance.now();
      const usable: ConsumedRecord<PaymentEvent>[] = [];
      for (const r of records) {
        if (r.value[featureSet.entity] === '')
          tools.deadLetter(
            r,
            featureErrors.create('TW_FEATURE_MISSING_ENTITY', `event ${r.value.event_id} has an empty ${featureSet.entity}`),
          );
        else usable.push(r);
      }
      const vectors = new Array<FeatureVector>(usable.length);
      // Encoded once: the same bytes go to the online store and to Kafka.
      const values = new Array<Buffer>(usable.length);
      const vectorize = (applied: readonly number[], states: readonly EventState[]) => {
        const featureTime = now();
        for (const i of applied) {
          const e = usable[i]!.value;
          const state = states[i]!;
          const v: FeatureVector = {
            event_id: e.event_id,
            entity_key: e[featureSet.entity],
            feature_set: featureSet.name,
            feature_set_version: featureSet.version,
            event_time: e.occurred_at,
            ingested_at: e.ingested_at,
            feature_time: featureTime,
            late: state.late,
            features: evaluateFeatures(featureSet, e, state, undefined, notComputed),
          };
          vectors[i] = v;
          values[i] = out.value.encode(v);
        }
      };
      // The online store is written before the produce below: once a vector is on `features`, GET returns it (or a newer one).
      let states = appliedBatches.get(records);
      if (states) {
        // A retry of this batch (say the produce below failed) must not apply it again: its events are
        // now already applied, and their vectors would read the end-of-batch state instead of their own.
        vectorize(
          usable.map((_r, i) => i),
          states,
        );
        await timed('online_write', () => onlineStore.write(vectors, values));
      } else {
        // The online entries go in the same round trip as the states they were computed from.
        states = await timed('window_update', () =>
          windows.applyBatch(
            usable.map((r) => r.value),
            {
              ttlMs: onlineStore.ttlMs,
              entries: (applied, results) => {
                vectorize(applied, results);
                return onlineStore.entries(
                  applied.map((i) => vectors[i]!),
                  applied.map((i) => values[i]!),
                );
              },
            },
          ),
        );
        appliedBatches.set(records, states);
      }
      const produced = performance.now();
      tools.timing('feature.state', produced - started);
      await deps.producer.send(
        out.topic,
        vectors.map((v, i) => ({ key: out.key.encode(v.entity_key), value: values[i]!, context: usable[i]!.context })),
      );
      tools.timing('feature.produce', performance.now() - produced);
      // Counted once per batch, not per event: a labelled counter's lookup is not free at 15,000 events/s.
      let late = 0;
      let duplicate = 0;
      for (const s of states) {
        if (s.late) late++;
        else if (s.duplicate) duplicate++;
      }
      metrics.late.inc(late);
      metrics.alreadyApplied.inc(duplicate);
      metrics.events.inc({ outcome: 'late' }, late);
      metrics.events.inc({ outcome: 'already_applied' }, duplicate);
      metrics.events.inc({ outcome: 'applied' }, states.length - late - duplicate);
      for (const v of vectors) metrics.freshness.observe(Math.max(0, v.feature_time - v.event_time) / 1000);
      deps.onBatch?.(records.length, performance.now() - started);
    },
  });
  return {
    consumer,
    featureSet,
    onlineStore,
    start: () => {
      countStateKeys();
      return consumer.start();
    },
    close: async () => {
      clearInterval(keyCounter);
      await consumer.close();
      await counting;
    },
  };
}

/** Keys under the prefix, by SCAN: O(all keys of the database), hence the background timer. */
async function countKeys(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    n += keys.length;
    cursor = next;
  } while (cursor !== '0');
  return n;
}
