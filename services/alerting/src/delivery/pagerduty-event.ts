import { createHash } from 'node:crypto';
import type { Notification } from '../notification.js';
import { alertsInReadingOrder, commonAnnotations, countByStatus, severityOf } from './notification-facts.js';
import { clip } from './slack-text.js';

/** Where PagerDuty's Events API v2 takes events. */
export const pagerDutyEventsUrl = 'https://events.pagerduty.com/v2/enqueue';

/** PagerDuty's four severities; anything else is sent as `error`, as Alertmanager does. */
const pagerDutySeverities = ['critical', 'error', 'warning', 'info'] as const;
type PagerDutySeverity = (typeof pagerDutySeverities)[number];

/** PagerDuty's limit: a summary of 1024 characters. */
const maxSummary = 1024;
/** Alerts itemized in custom_details; PagerDuty refuses events over 512 KB. */
const maxDetailedAlerts = 50;

export interface PagerDutyLink {
  readonly href: string;
  readonly text: string;
}

/** An Events API v2 event: `trigger` opens or updates the incident of `dedup_key`, `resolve` closes it. */
export type PagerDutyEvent =
  | {
      readonly routing_key: string;
      readonly event_action: 'trigger';
      readonly dedup_key: string;
      readonly payload: {
        readonly summary: string;
        readonly source: string;
        readonly severity: PagerDutySeverity;
        readonly timestamp: string;
        readonly component?: string;
        readonly group: string;
        readonly class?: string;
        readonly custom_details: Readonly<Record<string, unknown>>;
      };
      readonly links: readonly PagerDutyLink[];
      readonly client: string;
    }
  | { readonly routing_key: string; readonly event_action: 'resolve'; readonly dedup_key: string };

/**
 * The dedup_key of a group, as Alertmanager sends it (notify/util.go `Key.Hash`): the sha256 of the
 * group key in hex, so every notification of the group updates one incident, and an incident
 * opened by Alertmanager for the same group is the same incident.
 */
export function pagerDutyDedupKey(groupKey: string): string {
  return createHash('sha256').update(groupKey).digest('hex');
}

/**
 * The PagerDuty event for a notification: `trigger` while any alert fires (summary, severity,
 * labels and the alerts in custom_details, runbook and generator links), `resolve` once all resolved.
 */
export function pagerDutyEvent(n: Notification, routingKey: string): PagerDutyEvent {
  const dedupKey = pagerDutyDedupKey(n.groupKey);
  if (n.status === 'resolved') return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  const alerts = alertsInReadingOrder(n.alerts);
  const first = alerts[0];
  const common = commonAnnotations(alerts);
  const { firing, resolved } = countByStatus(alerts);
  const name = n.commonLabels['alertname'] ?? first?.labels['alertname'] ?? 'alert';
  const model = n.commonLabels['model'] ?? '';
  const what = common['summary'] ?? first?.annotations['summary'] ?? '';
  const head = [`[FIRING:${firing}]`, name, model].filter(Boolean).join(' ');
  const severity = severityOf(n);
  const links: PagerDutyLink[] = [];
  const runbook = common['runbook_url'] ?? alerts.find((a) => a.annotations['runbook_url'])?.annotations['runbook_url'];
  if (runbook) links.push({ href: runbook, text: 'Runbook' });
  for (const a of alerts.slice(0, 5)) if (a.generator_url) links.push({ href: a.generator_url, text: 'Trace / dashboard' });
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: clip(what ? `${head} — ${what}` : head, maxSummary),
      source: first?.source ?? 'tidewater-alerting',
      severity: (pagerDutySeverities as readonly string[]).includes(severity) ? (severity as PagerDutySeverity) : 'error',
      timestamp: new Date(Math.min(...alerts.map((a) => a.starts_at), n.createdAt)).toISOString(),
      ...(model ? { component: model } : {}),
      group: n.groupKey,
      ...(n.commonLabels['alertname'] ? { class: n.commonLabels['alertname'] } : {}),
      custom_details: {
        firing,
        resolved,
        group_labels: n.groupLabels,
        common_labels: n.commonLabels,
        common_annotations: common,
        alerts: alerts.slice(0, maxDetailedAlerts).map((a) => ({
          status: a.status,
          labels: a.labels,
          annotations: a.annotations,
          starts_at: new Date(a.starts_at).toISOString(),
        })),
        ...(alerts.length > maxDetailedAlerts ? { more_alerts: alerts.length - maxDetailedAlerts } : {}),
      },
    },
    links,
    client: 'Tidewater alerting',
  };
}
