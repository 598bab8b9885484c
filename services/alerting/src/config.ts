import { z } from 'zod';
import { commonServiceEnv, intFromEnv } from '@tidewater/config';
import { topicNamesEnv } from '@tidewater/service-runtime';

export const alertingConfigSchema = z.object({
  ...commonServiceEnv,
  ...topicNamesEnv,
  HTTP_PORT: intFromEnv(0, 65535).default(8084),
  CONSUMER_GROUP: z.string().min(1).default('tidewater-alerting'),
  /** A Slack incoming-webhook URL (or anything that speaks its protocol, like the dev stack's capture). */
  SLACK_WEBHOOK_URL: z.url(),
  SLACK_TIMEOUT_MS: intFromEnv(100, 60_000).default(5000),
});

export type AlertingConfig = z.infer<typeof alertingConfigSchema>;
