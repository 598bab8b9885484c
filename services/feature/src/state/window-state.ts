import type { Redis } from 'ioredis';
import type { PaymentEvent } from '@tidewater/schemas';
import { featureErrors } from '../errors.js';
import type { FeatureSet, NumericEventField, StringEventField } from '../feature-set/definition.js';
import { windowUpdateScript } from './window-script.js';

/** Sum, sum of squares, min and max of one numeric field over a window (min/max null when empty). */
export interface FieldStats {
  readonly sum: number;
  readonly sumsq: number;
  readonly min: number | null;
  readonly max: number | null;
}

export interface WindowStats {
  readonly count: number;
  readonly fields: Readonly<Partial<Record<NumericEventField, FieldStats>>>;
  /** HyperLogLog estimates of distinct values. */
  readonly distinct: Readonly<Partial<Record<StringEventField, number>>>;
}

/** What the state said about one event, and the windows its vector is computed from. */
export interface EventState {
  /** More than the allowed lateness behind the entity's newest event: not applied, windows end at the newest event. */
  readonly late: boolean;
  /** Already applied before (redelivery, replay): not applied again. */
  readonly duplicate: boolean;
  /** Newest event time of the entity before this event, or null for its first event. */
  readonly previousEventTime: number | null;
  readonly windows: Readonly<Record<string, WindowStats>>;
}

/** The event fields the state reads; a PaymentEvent has them all. */
export type StateEvent = Pick<PaymentEvent, 'event_id' | 'occurred_at' | NumericEventField | StringEventField>;

type PipelineWithScript = {
  /** ioredis's Buffer variant of the script command: the reply is packed doubles, not text. */
  twFeatureWindowsBuffer(state: string, ids: string, ...argv: (string | number)[]): unknown;
  exec(): Promise<[Error | null, unknown][] | null>;
};

/**
 * Redis keys of one entity. The hash tag `{entity}` puts all of them in one Redis Cluster slot,
 * which the script needs (it touches the HLL keys it derives from the prefix).
 */
export function entityKeys(keyPrefix: string, entity: string) {
  const base = `${keyPrefix}{${entity}}`;
  return { state: `${base}:w`, ids: `${base}:ids`, hllPrefix: `${base}:h:` };
}

export interface WindowState {
  /** Applies a fetched batch in one pipelined round trip, one atomic script call per event, in order. */
  applyBatch(events: readonly StateEvent[]): Promise<EventState[]>;
}

/**
 * Event-time window state of a feature set in Redis. TTLs are wall-clock: an entity with no
 * event for `retention + ttlSlackMs` loses its state (idle entities expire).
 */
export function createWindowState(redis: Redis, featureSet: FeatureSet, keyPrefix: string, ttlSlackMs = 3_600_000): WindowState {
  redis.defineCommand('twFeatureWindows', { numberOfKeys: 2, lua: windowUpdateScript });
  const ttl = featureSet.retentionMs + ttlSlackMs;
  const windows = featureSet.windows;
  return {
    async applyBatch(events) {
      if (events.length === 0) return [];
      const pipeline = redis.pipeline() as unknown as PipelineWithScript;
      for (const e of events) {
        const entity = e[featureSet.entity];
        if (entity === '') throw featureErrors.create('TW_FEATURE_MISSING_ENTITY', `event ${e.event_id} has an empty ${featureSet.entity}`);
        const keys = entityKeys(keyPrefix, entity);
        const argv: (string | number)[] = [
          e.event_id,
          e.occurred_at,
          featureSet.allowedLatenessMs,
          featureSet.retentionMs,
          ttl,
          keys.hllPrefix,
        ];
        for (const w of windows) {
          argv.push(w.name, w.bucketMs, w.buckets, w.ring, w.fields.length);
          for (const f of w.fields) argv.push(e[f]);
          argv.push(w.distinct.length);
          for (const f of w.distinct) argv.push(f, e[f]);
        }
        void pipeline.twFeatureWindowsBuffer(keys.state, keys.ids, ...argv);
      }
      const results = (await pipeline.exec()) ?? [];
      return results.map(([err, reply]) => {
        if (err) throw featureErrors.create('TW_FEATURE_STATE_UPDATE_FAILED', `window state update failed: ${err.message}`, { cause: err });
        return parseReply(reply as Buffer, featureSet);
      });
    },
  };
}

/** The script's reply: little-endian doubles, NaN for "none" (see window-script.ts). */
function parseReply(reply: Buffer, featureSet: FeatureSet): EventState {
  let i = 3;
  const next = () => reply.readDoubleLE(8 * i++);
  const optional = (v: number) => (Number.isNaN(v) ? null : v);
  const windows: Record<string, WindowStats> = {};
  for (const w of featureSet.windows) {
    const count = next();
    const fields: Partial<Record<NumericEventField, FieldStats>> = {};
    for (const f of w.fields) fields[f] = { sum: next(), sumsq: next(), min: optional(next()), max: optional(next()) };
    const distinct: Partial<Record<StringEventField, number>> = {};
    for (const f of w.distinct) distinct[f] = next();
    windows[w.name] = { count, fields, distinct };
  }
  return {
    late: reply.readDoubleLE(0) === 1,
    duplicate: reply.readDoubleLE(8) === 1,
    previousEventTime: optional(reply.readDoubleLE(16)),
    windows,
  };
}
