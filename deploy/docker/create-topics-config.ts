import { z } from 'zod';
import { csvList, intFromEnv } from '@tidewater/config';

/** The settings of create-topics.ts (the compose `kafka-init` container), from the environment. */
export const createTopicsConfigSchema = z.object({
  KAFKA_BROKERS: csvList(),
  /** 1 for a single broker; a real cluster wants 3. */
  TOPIC_REPLICATION_FACTOR: intFromEnv(1, 32).default(1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
