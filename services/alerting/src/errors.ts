import { defineErrors } from '@tidewater/errors';

export const alertingErrors = defineErrors('TW_ALERT_', {
  TW_ALERT_SLACK_UNAVAILABLE: {
    retriable: true,
    description: 'Slack answered 429 or 5xx, timed out, or could not be reached; delivery is retried with backoff.',
  },
  TW_ALERT_SLACK_REJECTED: {
    retriable: false,
    description:
      "Slack refused the message for good (400, 403, 404, 410: bad payload, revoked or deleted webhook); it is parked on alerts.dlq with Slack's error string.",
  },
});
