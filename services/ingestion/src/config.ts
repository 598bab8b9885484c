import { z } from 'zod';
import { boolFromEnv, checkSecurityEnv, commonServiceEnv, intFromEnv, redisSecurityEnv, redisUrl } from '@tidewater/config';
import { topicNamesEnv } from '@tidewater/service-runtime';
import { amountLimitCeiling, defaultMaxByCurrency, parseMaxByCurrency } from './amount-limits.js';
import { parseSensitiveFields } from './privacy.js';
import type { ValidationPolicy } from './validate-event.js';

const sensitiveFields = z
  .string()
  .default('')
  .transform((text, ctx) => {
    const { fields, problems } = parseSensitiveFields(text);
    for (const p of problems) ctx.addIssue({ code: 'custom', message: p });
    return fields;
  });

const maxByCurrency = z
  .string()
  .default(defaultMaxByCurrency)
  .transform((text, ctx) => {
    const { limits, problems } = parseMaxByCurrency(text);
    for (const p of problems) ctx.addIssue({ code: 'custom', message: p });
    return limits;
  });

const amountFromEnv = () => z.coerce.number().min(0).max(amountLimitCeiling);

/** Ingestion's configuration, from the environment; see README for each variable. */
export const ingestionConfigSchema = z
  .object({
    ...commonServiceEnv,
    ...topicNamesEnv,
    HTTP_PORT: intFromEnv(0, 65535).default(8080),
    CONSUMER_GROUP: z.string().min(1).default('tidewater-ingestion'),
    /**
     * Partitions of events.raw processed at once; each partition stays in order. More overlap the
     * batches' round trips (dedupe claim, produce, offset commit) and share produce requests, but
     * share the CPU too. 6 (every partition, on one pod): see PARTITIONS_CONCURRENTLY in the feature
     * service (issue 23).
     */
    CONSUMER_PARTITIONS_CONCURRENTLY: intFromEnv(1, 64).default(6),
    REDIS_URL: redisUrl(),
    ...redisSecurityEnv,
    /** Prefix of every Redis key, so several stacks or tests can share one Redis. */
    REDIS_KEY_PREFIX: z.string().default('tw:ingestion:'),
    UNKNOWN_FIELDS: z.enum(['drop', 'reject']).default('drop'),
    MAX_FUTURE_SKEW_MS: intFromEnv(0, 365 * 86_400_000).default(300_000),
    /** 30 days: the retention of events.dlq, so a dead letter replayed while it is still there is not refused for its age. */
    MAX_PAST_SKEW_MS: intFromEnv(60_000, 3650 * 86_400_000).default(30 * 86_400_000),
    AMOUNT_MIN: amountFromEnv().default(0),
    AMOUNT_MAX: amountFromEnv().default(1e9),
    AMOUNT_MAX_BY_CURRENCY: maxByCurrency,
    DEDUPE_ENABLED: boolFromEnv().default(true),
    DEDUPE_WINDOW_MS: intFromEnv(1000, 30 * 86_400_000).default(86_400_000),
    /** How long a claim on an event_id waits for its publish before another copy may claim it (crash recovery). */
    DEDUPE_PENDING_MS: intFromEnv(1000, 3_600_000).default(30_000),
    SENSITIVE_FIELDS: sensitiveFields,
    PRIVACY_HMAC_KEY: z.string().min(16, 'use at least 16 characters').optional(),
    /** API keys as id:sha256hex pairs, comma-separated; merged with API_KEYS_FILE. */
    API_KEYS: z.string().default(''),
    /** A JSON file { "keys": [{ "id", "sha256", "revoked"?, "ratePerSecond"?, "burst"? }] }, re-read when it changes. */
    API_KEYS_FILE: z.string().min(1).optional(),
    API_KEYS_RELOAD_MS: intFromEnv(100, 600_000).default(1000),
    RATE_LIMIT_PER_SECOND: intFromEnv(1, 10_000_000).default(20_000),
    RATE_LIMIT_BURST: intFromEnv(1, 100_000_000).default(40_000),
    HTTP_BODY_LIMIT_BYTES: intFromEnv(1024, 64 * 1_048_576).default(1_048_576),
    HTTP_MAX_BATCH: intFromEnv(1, 100_000).default(1000),
    /** Events in HTTP requests being published at once; more are answered 503 at once. */
    HTTP_MAX_IN_FLIGHT_EVENTS: intFromEnv(1, 10_000_000).default(50_000),
    /** How long an HTTP request waits for Kafka's acknowledgement before answering 503. */
    HTTP_PUBLISH_TIMEOUT_MS: intFromEnv(100, 120_000).default(5000),
    HTTP_RETRY_AFTER_S: intFromEnv(1, 3600).default(1),
  })
  .superRefine((c, ctx) => {
    if (c.SENSITIVE_FIELDS.some((f) => f.mode === 'hmac') && !c.PRIVACY_HMAC_KEY)
      ctx.addIssue({ code: 'custom', path: ['PRIVACY_HMAC_KEY'], message: 'required when SENSITIVE_FIELDS hashes a field' });
    if (c.AMOUNT_MIN > c.AMOUNT_MAX) ctx.addIssue({ code: 'custom', path: ['AMOUNT_MIN'], message: 'must not exceed AMOUNT_MAX' });
    for (const [currency, max] of c.AMOUNT_MAX_BY_CURRENCY)
      if (max < c.AMOUNT_MIN)
        ctx.addIssue({ code: 'custom', path: ['AMOUNT_MAX_BY_CURRENCY'], message: `${currency}'s limit is below AMOUNT_MIN` });
    if (c.RATE_LIMIT_BURST < c.HTTP_MAX_BATCH)
      ctx.addIssue({
        code: 'custom',
        path: ['RATE_LIMIT_BURST'],
        message: 'must be at least HTTP_MAX_BATCH, or a full batch never passes',
      });
  })
  .superRefine(...checkSecurityEnv);

export type IngestionConfig = z.infer<typeof ingestionConfigSchema>;

/** The validation rules the configuration sets: one place, so the service and the HTTP tests agree. */
export function validationPolicyOf(config: Omit<IngestionConfig, 'KAFKA_BROKERS' | 'SCHEMA_REGISTRY_URL' | 'REDIS_URL'>): ValidationPolicy {
  return {
    unknownFields: config.UNKNOWN_FIELDS,
    maxFutureSkewMs: config.MAX_FUTURE_SKEW_MS,
    maxPastSkewMs: config.MAX_PAST_SKEW_MS,
    amountLimits: { min: config.AMOUNT_MIN, max: config.AMOUNT_MAX, maxByCurrency: config.AMOUNT_MAX_BY_CURRENCY },
    redactFields: new Set(config.SENSITIVE_FIELDS.map((f) => f.field)),
  };
}
