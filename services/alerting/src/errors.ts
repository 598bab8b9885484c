import { defineErrors } from '@tidewater/errors';

export const alertingErrors = defineErrors('TW_ALERT_', {
  TW_ALERT_CONFIG_INVALID: {
    retriable: false,
    description:
      'The routing configuration (routes, receivers, matchers, inhibition rules) failed validation; the message lists every problem.',
  },
  TW_ALERT_SILENCE_INVALID: {
    retriable: false,
    description:
      'A submitted silence failed validation (matchers, times, createdBy, comment); the message and details list every problem. The API answers 400.',
  },
  TW_ALERT_SILENCE_FILTER_INVALID: {
    retriable: false,
    description:
      'A `filter` query parameter of GET /api/v2/silences is not a matcher such as `alertname="X"` or `job=~"api.*"`. The API answers 400.',
  },
  TW_ALERT_SILENCE_NOT_FOUND: {
    retriable: false,
    description:
      'No silence has that id (it never existed, or it expired longer ago than the retention period and was purged). The API answers 404.',
  },
  TW_ALERT_SILENCE_ALREADY_EXPIRED: {
    retriable: false,
    description: 'The silence to expire has already expired; nothing was changed. The API answers 409.',
  },
  TW_ALERT_SILENCE_CONFLICT: {
    retriable: true,
    description: 'Other writers kept changing the same silence while this write was retried; read it again and retry. The API answers 409.',
  },
  TW_ALERT_SILENCE_STORE_UNAVAILABLE: {
    retriable: true,
    description: 'Redis, where silences live, failed or could not be reached; retry. The API answers 503.',
  },
  TW_ALERT_RECEIVER_UNAVAILABLE: {
    retriable: true,
    description:
      'A receiver (Slack, PagerDuty, webhook) answered 429 or 5xx, timed out, or could not be reached; the delivery queue retries with backoff, honouring Retry-After.',
  },
  TW_ALERT_RECEIVER_REJECTED: {
    retriable: false,
    description:
      "A receiver refused the notification for good (400, 403, 404, 410 and other 4xx: bad payload, revoked webhook); it is parked with the receiver's answer (Slack's `invalid_payload`, `no_service`, ...).",
  },
  TW_ALERT_RECEIVER_UNKNOWN: {
    retriable: false,
    description: 'A notification names a receiver with no endpoint configured; enqueue refuses it, and one already queued is parked.',
  },
  TW_ALERT_DELIVERY_QUEUE_FULL: {
    retriable: true,
    description:
      'The delivery queue holds its maximum number of notifications (receivers are down or too slow); enqueue refused this one. Retry once it drains.',
  },
  TW_ALERT_PARKING_TIMED_OUT: {
    retriable: true,
    description:
      'Parking a notification (its dead-letter write, during a Kafka outage say) did not finish within the delivery queue parkTimeoutMs; the notification stays queued and is parked on a later try.',
  },
  TW_ALERT_CONSUMER_NOT_READY: {
    retriable: true,
    description:
      'The alerts consumer has not joined its consumer group yet (Kafka unreachable, or a rebalance under way); /readyz reports it under alerts-consumer while delivery from Redis goes on.',
  },
  TW_ALERT_DELIVERY_EXHAUSTED: {
    retriable: false,
    description:
      'A notification still failed with retriable errors after the maximum number of attempts; it is parked with the last error as cause.',
  },
});
