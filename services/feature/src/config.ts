import { z } from 'zod';
import { commonServiceEnv, intFromEnv } from '@tidewater/config';
import { topicNamesEnv } from '@tidewater/service-runtime';

export const featureConfigSchema = z.object({
  ...commonServiceEnv,
  ...topicNamesEnv,
  HTTP_PORT: intFromEnv(0, 65535).default(8081),
  CONSUMER_GROUP: z.string().min(1).default('tidewater-feature'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  /** Prefix of every Redis key, so several stacks or tests can share one Redis. */
  REDIS_KEY_PREFIX: z.string().default('tw:feature:'),
});

export type FeatureConfig = z.infer<typeof featureConfigSchema>;
