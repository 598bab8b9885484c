import { Counter, Histogram, type Registry } from 'prom-client';

/** Where an input came from: the events.raw topic or the HTTP API. */
export type InputKind = 'kafka' | 'http';

export interface IngestMetrics {
  readonly accepted: Counter<'input'>;
  readonly rejected: Counter<'input' | 'code'>;
  readonly duplicates: Counter<'input'>;
  readonly httpSeconds: Histogram<'route' | 'method' | 'status'>;
}

const cache = new WeakMap<Registry, IngestMetrics>();

/** Ingestion's series, registered once per registry (DLQ writes are tw_dead_letters_total{code} of @tidewater/kafka). */
export function ingestMetrics(registry: Registry): IngestMetrics {
  let m = cache.get(registry);
  if (!m) {
    const registers = [registry];
    m = {
      accepted: new Counter({
        name: 'tw_ingest_accepted_total',
        help: 'Events accepted and published to events.valid',
        labelNames: ['input'],
        registers,
      }),
      rejected: new Counter({
        name: 'tw_ingest_rejected_total',
        help: 'Events refused by validation (sent to events.dlq), by error code',
        labelNames: ['input', 'code'],
        registers,
      }),
      duplicates: new Counter({
        name: 'tw_ingest_duplicates_total',
        help: 'Events dropped because their event_id was seen within the dedupe window',
        labelNames: ['input'],
        registers,
      }),
      httpSeconds: new Histogram({
        name: 'tw_ingest_http_request_duration_seconds',
        help: 'HTTP API request latency by route and status',
        labelNames: ['route', 'method', 'status'],
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers,
      }),
    };
    cache.set(registry, m);
  }
  return m;
}
