import type { KafkaHeaders } from './types.js';

/** The bytes a record adds to a produce request, near enough: key, value, headers and ~70 of framing. */
export function recordBytes(r: { key: Buffer | string | null; value: Buffer | null; headers?: KafkaHeaders | undefined }): number {
  let bytes = 70 + (r.key === null ? 0 : typeof r.key === 'string' ? Buffer.byteLength(r.key) : r.key.length) + (r.value?.length ?? 0);
  if (r.headers) {
    for (const [name, value] of Object.entries(r.headers)) {
      bytes += Buffer.byteLength(name) + 8;
      for (const v of Array.isArray(value) ? value : [value])
        bytes += v === undefined ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length;
    }
  }
  return bytes;
}

/**
 * Cuts `items` into consecutive runs of at most `maxBytes` each (a single larger item is a run of its
 * own), keeping their order. kafkajs puts a send's records for one partition into one record batch
 * and never splits it, so a send of many records with one key can exceed the broker's
 * `message.max.bytes` (1 MiB by default): Kafka answers MESSAGE_TOO_LARGE and the idempotent
 * producer retries that batch forever. Sending in runs keeps every batch under the limit.
 */
export function chunkBySize<T>(items: readonly T[], size: (item: T) => number, maxBytes: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const n = size(item);
    if (current.length > 0 && bytes + n > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += n;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
