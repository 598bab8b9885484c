import type { Redis } from 'ioredis';
import { featureErrors } from '../errors.js';
import type { EventState, FeatureSet, StateEvent } from '@tidewater/feature-set';

export type { EventState, FieldStats, StateEvent, WindowStats } from '@tidewater/feature-set';
import { applyEvent, decodeState, encodeState, layoutOf, type EntityState } from './entity-state.js';
import type { OnlineEntry } from './online-store.js';
import { windowAndOnlineWriteScript, windowWriteScript } from './window-script.js';

type RedisWithScript = Redis & {
  /** window-script.ts: the number of keys, the keys, the TTL, then per key the version read and the new state. */
  twFeatureWriteStates(keyCount: number, ...args: (string | number | Buffer)[]): Promise<number[]>;
  /** window-script.ts: the state keys and the online keys, then the counts, TTLs, states and vectors. */
  twFeatureWriteStatesAndOnline(keyCount: number, ...args: (string | number | Buffer)[]): Promise<number[]>;
};

/** Redis key of one entity's window state; the hash tag `{entity}` names its Redis Cluster slot. */
export function entityKeys(keyPrefix: string, entity: string) {
  return { state: `${keyPrefix}{${entity}}:s` };
}

/** Online-store entries written in the same round trip as the states they were computed from. */
export interface AlongsideWrites {
  /** TTL of the online entries. */
  readonly ttlMs: number;
  /**
   * Called once per attempt, before the write, with the positions (in the batch) of the events just
   * applied and the results so far: the entries to store for them. An entity whose state write is
   * refused (another writer changed it) has its entry dropped, and its events come again in the next call.
   */
  readonly entries: (applied: readonly number[], results: readonly EventState[]) => readonly OnlineEntry[];
}

export interface WindowState {
  /**
   * Applies a fetched batch, in order: one round trip reads its entities' states, one writes back
   * those that changed, with the `alongside` entries when given (the Redis-backed state; the
   * in-memory one calls `entries` and keeps nothing of them).
   */
  applyBatch(events: readonly StateEvent[], alongside?: AlongsideWrites): Promise<EventState[]>;
}

/** Times an entity is re-read and recomputed after another writer changed it, before the batch fails (retriable). */
const MAX_ATTEMPTS = 5;
/** Entities per write script: a script blocks Redis while it runs, so a huge batch is written in chunks. */
const WRITE_CHUNK = 500;

/**
 * Event-time window state of a feature set in Redis, one string per entity. Per batch, Node reads
 * the states of the batch's entities (one MGET), applies the events to them in order
 * (entity-state.ts) and writes back the changed states with a compare-and-set on each one's
 * version (window-script.ts: one script call, which also stores the batch's online-store entries
 * when the caller passes them, so state and online store cost one round trip); an entity another
 * writer changed meanwhile is re-read and recomputed. Each entity's events of the batch are applied atomically, so each event
 * is. The MGET and the script span many entities' keys: a single Redis, not Redis Cluster. TTLs
 * are wall-clock: an entity with no applied event for `retention + ttlSlackMs` loses its state
 * (idle entities expire).
 */
export function createWindowState(
  redis: Redis,
  featureSet: FeatureSet,
  keyPrefix: string,
  opts: {
    /** Kept beyond the retention before an idle entity's state expires. */
    readonly ttlSlackMs?: number;
    /** Told of a stored value that is not a state (truncated, foreign): it is replaced by an empty state, not retried forever. */
    readonly onUnreadable?: (entity: string) => void;
  } = {},
): WindowState {
  const { ttlSlackMs = 3_600_000, onUnreadable = () => undefined } = opts;
  redis.defineCommand('twFeatureWriteStates', { lua: windowWriteScript });
  redis.defineCommand('twFeatureWriteStatesAndOnline', { lua: windowAndOnlineWriteScript });
  const scripted = redis as RedisWithScript;
  const ttl = featureSet.retentionMs + ttlSlackMs;
  const layout = layoutOf(featureSet);
  const failed = (message: string, cause?: unknown) =>
    featureErrors.create('TW_FEATURE_STATE_UPDATE_FAILED', `window state update failed: ${message}`, { cause });
  const asFailure = (err: unknown) => {
    throw failed(err instanceof Error ? err.message : String(err), err);
  };

  const read = (entities: readonly string[]): Promise<(Buffer | null)[]> =>
    redis.mgetBuffer(entities.map((entity) => entityKeys(keyPrefix, entity).state)).catch(asFailure);

  /**
   * The entities whose version had changed (not written). `online` entries go with their entity's
   * chunk (after the first, without the entries of entities whose state did not change).
   */
  async function write(states: readonly [string, EntityState][], online: readonly OnlineEntry[] = [], onlineTtlMs = 0): Promise<string[]> {
    const stale: string[] = [];
    const onlineOf = new Map<string, OnlineEntry[]>();
    for (const e of online) {
      const list = onlineOf.get(e.entity);
      if (list) list.push(e);
      else onlineOf.set(e.entity, [e]);
    }
    for (let from = 0; from === 0 || from < states.length; from += WRITE_CHUNK) {
      const chunk = states.slice(from, from + WRITE_CHUNK);
      const keys = chunk.map(([entity]) => entityKeys(keyPrefix, entity).state);
      if (online.length === 0) {
        if (chunk.length === 0) break;
        const args: (number | Buffer)[] = [ttl];
        for (const [, s] of chunk) args.push(s.expected, encodeState(featureSet, layout, s));
        const positions = await scripted.twFeatureWriteStates(keys.length, ...keys, ...args).catch(asFailure);
        for (const k of positions) stale.push(chunk[k - 1]![0]);
        continue;
      }
      // [position of the entity's state key (0: none), entry]
      const entries: [number, OnlineEntry][] = [];
      chunk.forEach(([entity], k) => {
        for (const e of onlineOf.get(entity) ?? []) entries.push([k + 1, e]);
        onlineOf.delete(entity);
      });
      if (from === 0) {
        // Entities whose state did not change (only redelivered or late events) still get their entry.
        const written = new Set(states.map(([entity]) => entity));
        for (const [entity, list] of onlineOf) if (!written.has(entity)) for (const e of list) entries.push([0, e]);
      }
      if (keys.length === 0 && entries.length === 0) break;
      const args: (number | string | Buffer)[] = [keys.length, ttl, onlineTtlMs];
      for (const [, s] of chunk) args.push(s.expected, encodeState(featureSet, layout, s));
      for (const [dep, e] of entries) args.push(dep, e.eventTime, e.value);
      const allKeys = [...keys, ...entries.map(([, e]) => e.key)];
      const positions = await scripted.twFeatureWriteStatesAndOnline(allKeys.length, ...allKeys, ...args).catch(asFailure);
      for (const k of positions) stale.push(chunk[k - 1]![0]);
    }
    return stale;
  }

  return {
    async applyBatch(events, alongside) {
      if (events.length === 0) return [];
      // Entities in order of first appearance, each with its events in batch order.
      const byEntity = new Map<string, number[]>();
      events.forEach((e, i) => {
        const entity = e[featureSet.entity];
        if (entity === '') throw featureErrors.create('TW_FEATURE_MISSING_ENTITY', `event ${e.event_id} has an empty ${featureSet.entity}`);
        const mine = byEntity.get(entity);
        if (mine) mine.push(i);
        else byEntity.set(entity, [i]);
      });
      const results = new Array<EventState>(events.length);
      let pending = [...byEntity.keys()];
      for (let attempt = 1; ; attempt++) {
        const stored = await read(pending);
        const changed: [string, EntityState][] = [];
        const applied: number[] = [];
        pending.forEach((entity, k) => {
          const s = decodeState(featureSet, layout, stored[k] ?? null);
          if (s.unreadable) onUnreadable(entity);
          for (const i of byEntity.get(entity)!) {
            results[i] = applyEvent(featureSet, s, events[i]!);
            applied.push(i);
          }
          if (s.dirty) changed.push([entity, s]);
        });
        const online = alongside ? alongside.entries(applied, results) : [];
        if (changed.length === 0 && online.length === 0) return results;
        pending = await write(changed, online, alongside?.ttlMs);
        if (pending.length === 0) return results;
        if (attempt === MAX_ATTEMPTS)
          throw failed(`${pending.length} entities changed by another writer ${MAX_ATTEMPTS} times in a row (first: ${pending[0]})`);
      }
    },
  };
}
