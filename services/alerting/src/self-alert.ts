import type { TidewaterError } from '@tidewater/errors';
import { alertFingerprint, type Alert } from '@tidewater/schemas';
import type { Notification } from './notification.js';

/**
 * The alert about the alerting path itself: a receiver refused a notification for good (revoked
 * webhook, bad payload). Critical, because alerts routed there are no longer reaching anyone; it
 * goes through the normal routing tree, so a config can send it to a second receiver.
 */
export function deliveryFailedAlert(n: Notification, err: TidewaterError, now: number, runbookBaseUrl: string): Alert {
  const receiver = n.receiver.split('/')[0] ?? n.receiver;
  const labels = { alertname: 'AlertDeliveryFailed', severity: 'critical', receiver, integration: n.receiver };
  return {
    fingerprint: alertFingerprint(labels),
    status: 'firing',
    labels,
    annotations: {
      summary: `Alerts to ${n.receiver} are not being delivered`,
      description: `${n.receiver} refused a notification for good (${err.code}: ${err.message}). ${n.alerts.length} alert(s) of group ${n.groupKey} were parked on the alerts dead-letter topic.`,
      runbook_url: `${runbookBaseUrl}#alert-delivery-failed`,
    },
    starts_at: now,
    // Resolves by itself an hour after the last refusal (each new refusal raises it again), so a
    // fixed webhook does not leave a critical alert firing forever.
    ends_at: now + 3_600_000,
    source: 'alerting',
    generator_url: null,
  };
}
