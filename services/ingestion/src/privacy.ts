import { createHmac } from 'node:crypto';
import type { PaymentEvent } from '@tidewater/schemas';

/** String fields of a PaymentEvent that can be configured as sensitive. */
export const protectableFields = ['event_id', 'card_id', 'merchant_id', 'merchant_category', 'country'] as const;
export type ProtectableField = (typeof protectableFields)[number];

export interface SensitiveField {
  readonly field: ProtectableField;
  /**
   * hmac: HMAC-SHA256 with the configured key, hex; deterministic, so joins and keying by the
   * field still work downstream while the clear value never leaves ingestion.
   * mask: all but the last four characters replaced by '*'; for display-only fields.
   */
  readonly mode: 'hmac' | 'mask';
}

/** A pure transform applied to every valid event before it is published. */
export type Protector = (event: PaymentEvent) => PaymentEvent;

function mask(value: string): string {
  const keep = Math.min(4, Math.floor(value.length / 2));
  return '*'.repeat(value.length - keep) + value.slice(value.length - keep);
}

/**
 * Builds the transform for the configured fields. An event_id may only be hashed, never masked:
 * masking would collapse distinct ids downstream. Validated by the config schema too.
 */
export function createProtector(fields: readonly SensitiveField[], hmacKey: string | undefined): Protector {
  if (fields.length === 0) return (e) => e;
  if (fields.some((f) => f.mode === 'hmac') && !hmacKey) throw new Error('PRIVACY_HMAC_KEY is required to hash fields');
  return (event) => {
    const replaced: Partial<Record<ProtectableField, string>> = {};
    for (const { field, mode } of fields) {
      replaced[field] = mode === 'hmac' ? createHmac('sha256', hmacKey!).update(event[field]).digest('hex') : mask(event[field]);
    }
    return { ...event, ...replaced };
  };
}

/** Parses SENSITIVE_FIELDS ("card_id:hmac,merchant_id:mask"); returns the problems found, if any. */
export function parseSensitiveFields(text: string): { fields: SensitiveField[]; problems: string[] } {
  const fields: SensitiveField[] = [];
  const problems: string[] = [];
  for (const item of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [field, mode = 'hmac'] = item.split(':').map((s) => s.trim());
    if (!(protectableFields as readonly string[]).includes(field ?? '')) {
      problems.push(`${JSON.stringify(field)} is not one of ${protectableFields.join(', ')}`);
    } else if (mode !== 'hmac' && mode !== 'mask') {
      problems.push(`${field}: mode must be hmac or mask, got ${JSON.stringify(mode)}`);
    } else if (field === 'event_id' && mode === 'mask') {
      problems.push('event_id can only be hashed (hmac): masking would make distinct ids collide');
    } else {
      fields.push({ field: field as ProtectableField, mode });
    }
  }
  return { fields, problems };
}
