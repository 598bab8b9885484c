import type { Message, MessageToProduce } from '@platformatic/kafka';
import type { OutgoingMessage } from '../outgoing.js';
import type { KafkaHeaders, KafkaRecord } from '../types.js';

const asBuffer = (v: Buffer | string) => (typeof v === 'string' ? Buffer.from(v) : v);

/**
 * Headers as the producer takes them: a Map keyed by Buffer, one entry per value, so a repeated
 * name (an array in KafkaHeaders) stays repeated, as kafkajs writes it.
 */
function headerMap(headers: KafkaHeaders | undefined): Map<Buffer, Buffer> | undefined {
  if (!headers) return undefined;
  const map = new Map<Buffer, Buffer>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) map.set(Buffer.from(name), asBuffer(v));
  }
  return map;
}

/** One of our outgoing records in @platformatic/kafka's shape. */
export function toProduced(topic: string, m: OutgoingMessage): MessageToProduce {
  const headers = headerMap(m.headers);
  return {
    topic,
    ...(m.key === null ? {} : { key: asBuffer(m.key) }),
    ...(m.value === null ? {} : { value: m.value }),
    ...(headers ? { headers } : {}),
    ...(m.timestamp ? { timestamp: BigInt(m.timestamp) } : {}),
  };
}

/** A consumed message as our KafkaRecord: null for absent key or value, decimal-string offsets, headers by name. */
export function toRecord(m: Message): KafkaRecord {
  let headers: KafkaHeaders | undefined;
  if (m.headerEntries.length > 0) {
    headers = {};
    for (const [k, v] of m.headerEntries) {
      const name = k.toString();
      const seen = headers[name];
      if (seen === undefined) headers[name] = v;
      else headers[name] = Array.isArray(seen) ? [...seen, v] : [seen, v];
    }
  }
  return {
    key: m.key ?? null,
    value: m.value ?? null,
    ...(headers ? { headers } : {}),
    offset: String(m.offset),
    timestamp: String(m.timestamp),
  };
}
