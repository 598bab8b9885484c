import { createHash } from 'node:crypto';

/**
 * The identity of an alert in the Alert contract (alert.avsc): a hash of its sorted label set, as
 * Alertmanager identifies alerts. Every producer of alerts uses this, so the same labels are the
 * same alert whichever service raised it.
 */
export function alertFingerprint(labels: Readonly<Record<string, string>>): string {
  const canonical = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join('\u0000');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}
