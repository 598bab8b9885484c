import type { Alert } from '@tidewater/schemas';
import { alertFingerprint } from '@tidewater/schemas';

/**
 * An alert as Alertmanager's API takes it in: labels with an empty value dropped (an empty label
 * is an absent one), and the fingerprint computed from the labels, whatever the producer put in
 * the record. So every state the service keeps is keyed as Alertmanager keys it.
 */
export function identifyAlert(alert: Alert): Alert {
  const entries = Object.entries(alert.labels);
  const labels = entries.every(([, v]) => v !== '') ? alert.labels : Object.fromEntries(entries.filter(([, v]) => v !== ''));
  const fingerprint = alertFingerprint(labels);
  return fingerprint === alert.fingerprint && labels === alert.labels ? alert : { ...alert, labels, fingerprint };
}
