import { z } from 'zod';
import { kafkaSecurityEnv, schemaRegistrySecurityEnv } from './security-env.js';

/** A comma-separated list, trimmed, empty items dropped; at least one item. */
export const csvList = () =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string()).min(1, 'needs at least one item'));

/** An integer read from a string, within bounds. */
export const intFromEnv = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** A boolean read from true/false/1/0/yes/no. */
export const boolFromEnv = () =>
  z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((s) => s === 'true' || s === '1' || s === 'yes');

/** The settings every Tidewater service shares: Kafka and registry (with their TLS and auth), HTTP host, logging, shutdown. */
export const commonServiceEnv = {
  KAFKA_BROKERS: csvList(),
  KAFKA_CLIENT_ID: z.string().min(1).optional(),
  /**
   * The Kafka client library behind @tidewater/kafka's seam (issue 19). No default here: unset, the
   * library's own default applies (kafkajs), so a config parsed and turned back into an environment
   * (tests, the dev stack) does not pin a client.
   */
  KAFKA_CLIENT: z.enum(['kafkajs', 'platformatic']).optional(),
  /**
   * How often consumers commit processed offsets (ms), and then also on stop and rebalance; 0 commits
   * after every batch. Unset: @tidewater/kafka's default (1000). kafkajs only: @platformatic/kafka
   * commits after every batch; inference with EXACTLY_ONCE=true commits offsets in its transactions
   * and per batch whatever this says.
   */
  KAFKA_COMMIT_INTERVAL_MS: intFromEnv(0, 60_000).optional(),
  SCHEMA_REGISTRY_URL: z.url(),
  SCHEMA_AUTO_REGISTER: boolFromEnv().default(true),
  HTTP_HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_TIMEOUT_MS: intFromEnv(100, 120_000).default(15_000),
  ...kafkaSecurityEnv,
  ...schemaRegistrySecurityEnv,
};

/**
 * A Redis URL (redis:// or rediss:// for TLS). Required: no machine of ours runs a Redis at a
 * default address, so a missing REDIS_URL fails the boot saying so instead of a connection refused.
 */
export const redisUrl = () => z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL');
