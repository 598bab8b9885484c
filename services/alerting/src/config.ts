import { hostname } from 'node:os';
import { z } from 'zod';
import { adminApiEnv, boolFromEnv, checkSecurityEnv, commonServiceEnv, intFromEnv, redisSecurityEnv, redisUrl } from '@tidewater/config';
import { topicNamesEnv } from '@tidewater/service-runtime';

const alertingFields = z.object({
  ...commonServiceEnv,
  ...topicNamesEnv,
  HTTP_PORT: intFromEnv(0, 65535).default(8084),
  /** The silences API's port and tokens (ADMIN_HTTP_PORT, ADMIN_TOKEN_FILE, ADMIN_TOKEN); see README. */
  ...adminApiEnv,
  CONSUMER_GROUP: z.string().min(1).default('tidewater-alerting'),
  /**
   * Routing configuration file (YAML, Alertmanager-like; see README). Without it, every alert goes
   * to SLACK_WEBHOOK_URL grouped by alertname, model and model_version with Alertmanager's timers.
   */
  ALERTING_CONFIG_FILE: z.string().min(1).optional(),
  /** A Slack incoming-webhook URL, used by the default routing and by config files that name it. */
  SLACK_WEBHOOK_URL: z.url().optional(),
  REDIS_URL: redisUrl(),
  ...redisSecurityEnv,
  /** Prefix of every Redis key (groups, notification log, silences, delivery queue). */
  REDIS_KEY_PREFIX: z.string().default('tw:alerting:'),
  /** How often groups and the delivery queue are checked for due work. */
  ALERTING_TICK_MS: intFromEnv(50, 60_000).default(1000),
  /** Where docs/runbooks.md is served; alerts link to its sections. */
  RUNBOOK_BASE_URL: z.url().default('https://github.com/tidewater/tidewater/blob/main/docs/runbooks.md'),
  /**
   * Probe every consumer group's lag in the cluster (tw_kafka_consumer_lag), not only this service's:
   * each service reports its own groups, so a service that is down would report none.
   */
  LAG_PROBE_ALL_GROUPS: boolFromEnv().default(true),
  /** Which groups the cluster-wide probe reports (a regular expression): Tidewater's own by default. */
  LAG_PROBE_GROUP_PATTERN: z
    .string()
    .default('^tidewater-')
    .refine((p) => {
      try {
        new RegExp(p);
        return true;
      } catch {
        return false;
      }
    }, 'must be a regular expression'),
  /** Name of this replica in group leases. */
  ALERTING_REPLICA_ID: z.string().min(1).default(`${hostname()}-${process.pid}`),
});

export const alertingConfigSchema = alertingFields.superRefine(...checkSecurityEnv);

export type AlertingConfig = z.infer<typeof alertingConfigSchema>;
