import { z } from 'zod';
import { commonServiceEnv, intFromEnv } from '@tidewater/config';
import { topicNamesEnv } from '@tidewater/service-runtime';

/** Ingestion's configuration, from the environment; see README for each variable. */
export const ingestionConfigSchema = z.object({
  ...commonServiceEnv,
  ...topicNamesEnv,
  HTTP_PORT: intFromEnv(0, 65535).default(8080),
  CONSUMER_GROUP: z.string().min(1).default('tidewater-ingestion'),
});

export type IngestionConfig = z.infer<typeof ingestionConfigSchema>;
