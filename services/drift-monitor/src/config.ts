import { z } from 'zod';
import { commonServiceEnv, intFromEnv } from '@tidewater/config';
import { repoRoot } from '@tidewater/schemas';
import { topicNamesEnv } from '@tidewater/service-runtime';

export const driftConfigSchema = z.object({
  ...commonServiceEnv,
  ...topicNamesEnv,
  HTTP_PORT: intFromEnv(0, 65535).default(8083),
  CONSUMER_GROUP: z.string().min(1).default('tidewater-drift-monitor'),
  /** Directory of the monitored model version; its manifest holds the reference profile. */
  MODEL_DIR: z.string().min(1).default(`${repoRoot}models/fraud-demo/1`),
  /** Predictions per tumbling window. */
  DRIFT_WINDOW_SIZE: intFromEnv(10, 10_000_000).default(1000),
  /** Feature vectors (and predictions) waiting for their partner, at most, per side. */
  DRIFT_JOIN_CAPACITY: intFromEnv(100, 10_000_000).default(100_000),
  /** PSI at or above which a feature (or the score) counts as drifted; 0.2 is the common "significant shift" line. */
  DRIFT_PSI_THRESHOLD: z.coerce.number().positive().default(0.2),
  RUNBOOK_BASE_URL: z.url().default('https://github.com/tidewater/tidewater/blob/main/docs/runbooks.md'),
});

export type DriftConfig = z.infer<typeof driftConfigSchema>;
