import type { Alert } from '@tidewater/schemas';
import type { Labels } from './matching/label-matcher.js';

/**
 * What the dispatcher hands to delivery: one message's worth of a group's alerts for one
 * receiver, as Alertmanager builds a notification. Serializable (it waits in a Redis queue).
 */
export interface Notification {
  /** Unique per intended send; delivery uses it to never send the same notification twice. */
  readonly id: string;
  readonly receiver: string;
  readonly groupKey: string;
  /** The labels the group is keyed by (group_by values). */
  readonly groupLabels: Labels;
  /** Labels every alert in the notification shares. */
  readonly commonLabels: Labels;
  /** 'firing' when any alert fires, else 'resolved'. */
  readonly status: 'firing' | 'resolved';
  readonly alerts: readonly Alert[];
  /** When the dispatcher decided to send it (epoch ms), for delivery-latency metrics. */
  readonly createdAt: number;
}

/** A source of time that tests can drive. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
