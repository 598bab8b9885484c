import type { Labels } from '../matching/label-matcher.js';
import type { Notification } from '../notification.js';
import { commonAnnotations } from './notification-facts.js';

/** Alertmanager writes the zero time for an end that is not known yet. */
const zeroTime = '0001-01-01T00:00:00Z';

export interface WebhookAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL: string;
  readonly fingerprint: string;
}

/** Alertmanager's webhook body (version 4), so receivers written for Alertmanager read ours. */
export interface WebhookPayload {
  readonly version: '4';
  readonly groupKey: string;
  readonly truncatedAlerts: number;
  readonly status: 'firing' | 'resolved';
  readonly receiver: string;
  readonly groupLabels: Labels;
  readonly commonLabels: Labels;
  readonly commonAnnotations: Labels;
  readonly externalURL: string;
  readonly alerts: readonly WebhookAlert[];
}

export interface WebhookPayloadOptions {
  /** Alertmanager's `max_alerts`: alerts beyond it are left out and counted in `truncatedAlerts`; 0 sends all. */
  readonly maxAlerts?: number;
  /** The URL of this alerting service, as Alertmanager's `externalURL`. */
  readonly externalUrl?: string;
}

/** The generic webhook body for a notification, in Alertmanager's webhook JSON shape. */
export function webhookPayload(n: Notification, options: WebhookPayloadOptions = {}): WebhookPayload {
  const max = options.maxAlerts ?? 0;
  const kept = max > 0 ? n.alerts.slice(0, max) : n.alerts;
  return {
    version: '4',
    groupKey: n.groupKey,
    truncatedAlerts: n.alerts.length - kept.length,
    status: n.status,
    receiver: n.receiver,
    groupLabels: n.groupLabels,
    commonLabels: n.commonLabels,
    commonAnnotations: commonAnnotations(n.alerts),
    externalURL: options.externalUrl ?? '',
    alerts: kept.map((a) => ({
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: new Date(a.starts_at).toISOString(),
      endsAt: a.ends_at === null ? zeroTime : new Date(a.ends_at).toISOString(),
      generatorURL: a.generator_url ?? '',
      fingerprint: a.fingerprint,
    })),
  };
}
