import type { Alert } from '@tidewater/schemas';
import { commonEntries, type Labels } from '../matching/label-matcher.js';
import type { Notification } from '../notification.js';

/** Severities we know, worst first; anything else ranks after them. */
const severityRank = ['critical', 'error', 'warning', 'info'];

function rankOf(severity: string | undefined): number {
  const i = severityRank.indexOf(severity ?? '');
  return i === -1 ? severityRank.length : i;
}

/**
 * The severity a notification is about: the group's common severity, else the worst one among
 * its firing alerts (a page should not be labelled by its mildest alert), else `warning`.
 */
export function severityOf(n: Notification): string {
  const common = n.commonLabels['severity'];
  if (common !== undefined && common !== '') return common;
  const firing = n.alerts.filter((a) => a.status === 'firing');
  const pool = firing.length > 0 ? firing : n.alerts;
  let worst: string | undefined;
  for (const a of pool) {
    const s = a.labels['severity'];
    if (s !== undefined && (worst === undefined || rankOf(s) < rankOf(worst))) worst = s;
  }
  return worst ?? 'warning';
}

/** Annotations every alert of the notification shares, as Alertmanager's `CommonAnnotations`. */
export function commonAnnotations(alerts: readonly Alert[]): Labels {
  return commonEntries(alerts.map((a) => a.annotations));
}

/** Firing alerts first, worst severity first, then oldest first: what on-call reads first. */
export function alertsInReadingOrder(alerts: readonly Alert[]): Alert[] {
  return [...alerts].sort(
    (a, b) =>
      (a.status === 'firing' ? 0 : 1) - (b.status === 'firing' ? 0 : 1) ||
      rankOf(a.labels['severity']) - rankOf(b.labels['severity']) ||
      a.starts_at - b.starts_at,
  );
}

/** How many alerts fire and how many resolved. */
export function countByStatus(alerts: readonly Alert[]): { firing: number; resolved: number } {
  const firing = alerts.filter((a) => a.status === 'firing').length;
  return { firing, resolved: alerts.length - firing };
}

/** A UTC timestamp people read: `2025-03-01 10:00:00 UTC`. */
export function utcTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, ' UTC');
}
