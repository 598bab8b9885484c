import type { Context, Span } from '@opentelemetry/api';
import { endSendSpans, startSendSpan, traceHeaders, type SpanServer } from './trace-context.js';
import type { KafkaHeaders } from './types.js';

/** A record to produce: bytes already encoded, plus the trace context it continues. */
export interface OutgoingRecord {
  readonly key: Buffer | string | null;
  readonly value: Buffer | null;
  readonly headers?: KafkaHeaders;
  /** The context of the span that produced this record; injected as traceparent. */
  readonly context?: Context;
  readonly timestamp?: string;
}

/** A record in the shape a produce request takes. */
export interface OutgoingMessage {
  readonly key: Buffer | string | null;
  readonly value: Buffer | null;
  readonly headers: KafkaHeaders | undefined;
  readonly timestamp?: string;
}

/**
 * Runs once per produced record: no spread copies where a record has no headers of its own. A
 * record that continues a trace gets a send span, pushed to `spans` for the caller to end on ack.
 */
export function toMessage(topic: string, r: OutgoingRecord, spans: Span[], server?: SpanServer): OutgoingMessage {
  let trace: Record<string, string> | undefined;
  if (r.context) {
    const send = startSendSpan(topic, r.key, r.context, server);
    spans.push(send.span);
    trace = traceHeaders(send.context);
  }
  const headers = trace && r.headers ? { ...r.headers, ...trace } : (trace ?? r.headers);
  return r.timestamp ? { key: r.key, value: r.value, headers, timestamp: r.timestamp } : { key: r.key, value: r.value, headers };
}

/** Runs `send`, then ends the records' send spans with its outcome. */
export async function endingSpans<R>(spans: readonly Span[], send: () => Promise<R>): Promise<R> {
  if (spans.length === 0) return send();
  try {
    const result = await send();
    endSendSpans(spans);
    return result;
  } catch (err) {
    endSendSpans(spans, err);
    throw err;
  }
}
