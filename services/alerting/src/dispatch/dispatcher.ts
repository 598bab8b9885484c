import { createHash } from 'node:crypto';
import type { Alert } from '@tidewater/schemas';
import { commonEntries, type Labels } from '../matching/label-matcher.js';
import type { Clock, Notification } from '../notification.js';
import type { GroupMeta, GroupState } from './group-state.js';

/** A route an alert matched, with the settings it inherited (what the routing tree returns). */
export interface RoutedGroup {
  readonly routeId: string;
  readonly receiver: string;
  /** What the group is stored under: unique per route (see `groupId` in routing). */
  readonly groupId: string;
  /** Alertmanager's group key, which notifications carry. */
  readonly groupKey: string;
  readonly groupLabels: Labels;
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
  readonly repeatIntervalMs: number;
}

/** Why an alert is not notified now (Alertmanager's muting stages). */
export interface Muting {
  /** Ids of active silences matching the labels (empty when none). */
  silencedBy(labels: Labels, now: number): readonly string[];
  /** Whether one of the firing alerts inhibits this one. */
  inhibited(labels: Labels, firing: readonly Labels[]): boolean;
  /** False when there are no inhibition rules: the firing set is then not loaded at all. */
  readonly usesFiringAlerts: boolean;
}

export interface DispatcherDeps {
  readonly groups: GroupState;
  readonly route: (labels: Labels) => readonly RoutedGroup[];
  readonly muting: Muting;
  readonly sendResolved: (receiver: string) => boolean;
  readonly enqueue: (n: Notification) => Promise<void>;
  readonly clock: Clock;
  /** This replica's name, for group leases. */
  readonly owner: string;
  readonly onMuted?: (reason: 'silenced' | 'inhibited', alert: Alert) => void;
  /** A group whose flush failed; it stays due and is tried again on the next tick. */
  readonly onFlushFailed?: (groupKey: string, err: unknown) => void;
}

/**
 * Alertmanager's aggregation and notification pipeline on shared Redis state:
 * - a new group is flushed `group_wait` after its first alert, then every `group_interval`;
 * - a flush notifies when a firing alert was not in the last notification, when a previously
 *   notified alert resolved (if the receiver sends resolved), or when `repeat_interval` passed
 *   with alerts still firing; otherwise it stays quiet;
 * - silenced and inhibited alerts are left out; resolved alerts leave the group once flushed,
 *   and an empty group is deleted.
 * A notification's id is derived from the group and the flush it belongs to, so a flush redone
 * after a crash produces the same id and the delivery queue stores it once.
 */
export function createDispatcher(deps: DispatcherDeps) {
  return {
    /** Files an alert into each group its routes select. */
    async ingest(alert: Alert): Promise<number> {
      const now = deps.clock.now();
      const routes = deps.route(alert.labels);
      await deps.groups.trackFiring(alert);
      for (const r of routes) {
        await deps.groups.upsert(
          {
            key: r.groupId,
            groupKey: r.groupKey,
            routeId: r.routeId,
            receiver: r.receiver,
            groupLabels: r.groupLabels,
            groupIntervalMs: r.groupIntervalMs,
            repeatIntervalMs: r.repeatIntervalMs,
          },
          alert,
          now + r.groupWaitMs,
        );
      }
      return routes.length;
    },

    /** Flushes every group that is due; returns the notifications enqueued. */
    async tick(): Promise<number> {
      const now = deps.clock.now();
      let sent = 0;
      const due = await deps.groups.due(now);
      if (due.length === 0) return 0;
      const firingNow = deps.muting.usesFiringAlerts ? await deps.groups.firingLabels() : [];
      for (const key of due) {
        if (!(await deps.groups.lease(key, deps.owner, 30_000))) continue;
        try {
          if (await flush(key, now, firingNow)) sent++;
        } catch (err) {
          // One group failing (a full delivery queue, an unknown receiver) must not hold up the others.
          deps.onFlushFailed?.(key, err);
        } finally {
          await deps.groups.release(key, deps.owner);
        }
      }
      return sent;
    },
  };

  async function flush(key: string, now: number, firingNow: readonly Labels[]): Promise<boolean> {
    const loaded = await deps.groups.load(key);
    if (!loaded || loaded.scheduledAt > now) return false;
    const { meta, scheduledAt } = loaded;
    // An alert whose ends_at has passed is resolved, as in Alertmanager, even without a resolved record.
    const alerts = loaded.alerts.map((a) =>
      a.status === 'firing' && a.ends_at !== null && a.ends_at <= now ? { ...a, status: 'resolved' as const } : a,
    );
    const visible = alerts.filter((a) => !muted(a, now, firingNow));
    const firing = visible.filter((a) => a.status === 'firing');
    const resolved = alerts.filter((a) => a.status === 'resolved');
    const lastFiring = new Set(meta.lastFiring);
    const sendResolved = deps.sendResolved(meta.receiver);
    const notifiedResolved = sendResolved ? resolved.filter((a) => lastFiring.has(a.fingerprint)) : [];

    const newFiring = firing.some((a) => !lastFiring.has(a.fingerprint));
    const repeatDue = firing.length > 0 && meta.lastNotifiedAt > 0 && now - meta.lastNotifiedAt >= meta.repeatIntervalMs;
    const notify = newFiring || notifiedResolved.length > 0 || repeatDue;

    let next: GroupMeta = meta;
    if (notify) {
      const included = [...firing, ...notifiedResolved];
      await deps.enqueue({
        // The flush it belongs to and what it says: a flush redone after a crash with the same
        // content gets the same id (stored once), one with different content is a new notification.
        id: `${key}@${scheduledAt}:${contentHash(included)}`,
        receiver: meta.receiver,
        // A group stored before group keys followed Alertmanager, if the start-up migration could not name its route.
        groupKey: meta.groupKey ?? key,
        groupLabels: meta.groupLabels,
        commonLabels: commonLabels(included),
        status: firing.length > 0 ? 'firing' : 'resolved',
        alerts: included,
        createdAt: now,
      });
      next = { ...meta, lastFiring: firing.map((a) => a.fingerprint).sort(), lastNotifiedAt: now };
    } else if (firing.length === 0) {
      // Everything resolved or muted: forget what was notified so a re-fire notifies again.
      next = { ...meta, lastFiring: [] };
    }
    // Stored versions of what counts as resolved now (expired ones included), so they leave the group.
    const flushedResolved = loaded.alerts.filter((_, i) => alerts[i]!.status === 'resolved');
    await deps.groups.afterFlush(next, flushedResolved, scheduledAt, now + meta.groupIntervalMs);
    return notify;
  }

  function muted(alert: Alert, now: number, firingNow: readonly Labels[]): boolean {
    if (alert.status !== 'firing') return false;
    if (deps.muting.silencedBy(alert.labels, now).length > 0) {
      deps.onMuted?.('silenced', alert);
      return true;
    }
    if (deps.muting.inhibited(alert.labels, firingNow)) {
      deps.onMuted?.('inhibited', alert);
      return true;
    }
    return false;
  }
}

export type Dispatcher = ReturnType<typeof createDispatcher>;

/** Labels with the same value on every alert. */
export function commonLabels(alerts: readonly Alert[]): Labels {
  return commonEntries(alerts.map((a) => a.labels));
}

function contentHash(alerts: readonly Alert[]): string {
  const content = alerts
    .map((a) => `${a.fingerprint}:${a.status}`)
    .sort()
    .join(',');
  return createHash('sha256').update(content).digest('hex').slice(0, 12);
}
