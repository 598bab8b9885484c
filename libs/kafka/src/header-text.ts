import type { KafkaHeaders } from './types.js';

/** A Kafka header as text: the first value when repeated, undefined when absent. */
export function headerText(headers: KafkaHeaders | undefined, name: string): string | undefined {
  const v = headers?.[name];
  const first = Array.isArray(v) ? v[0] : v;
  return first?.toString();
}
