import { z } from 'zod';
import { boolFromEnv, checkSecurityEnv, commonServiceEnv, intFromEnv, redisSecurityEnv, redisUrl } from '@tidewater/config';
import { repoRoot } from '@tidewater/schemas';
import { topicNamesEnv } from '@tidewater/service-runtime';

const driftFields = z.object({
  ...commonServiceEnv,
  ...topicNamesEnv,
  HTTP_PORT: intFromEnv(0, 65535).default(8083),
  CONSUMER_GROUP: z.string().min(1).default('tidewater-drift-monitor'),
  /** Directory of the monitored model version; its manifest holds the reference profile. */
  MODEL_DIR: z.string().min(1).default(`${repoRoot}models/fraud-demo/1`),
  /** `count`: windows of DRIFT_WINDOW_SIZE events; `time`: tumbling event-time windows of DRIFT_WINDOW_MS. */
  DRIFT_WINDOW_MODE: z.enum(['count', 'time']).default('count'),
  /** Predictions per tumbling window (count mode). */
  DRIFT_WINDOW_SIZE: intFromEnv(10, 10_000_000).default(1000),
  /** Length of a tumbling event-time window (time mode). */
  DRIFT_WINDOW_MS: intFromEnv(1000, 7 * 86_400_000).default(300_000),
  /** How far behind the largest event time seen an event may arrive and still land in its window (time mode). */
  DRIFT_ALLOWED_LATENESS_MS: intFromEnv(0, 86_400_000).default(60_000),
  /** Time windows open at once per model version; one more closes the oldest early. */
  DRIFT_MAX_OPEN_WINDOWS: intFromEnv(1, 1000).default(8),
  /** With N >= 2, also report each time over the last N closed windows merged (window_kind "sliding"); 0 = off. */
  DRIFT_SLIDING_WINDOWS: intFromEnv(0, 24).default(0),
  /** Values kept per numeric feature and window (reservoir) for KS and Wasserstein. */
  DRIFT_SAMPLE_SIZE: intFromEnv(10, 10_000).default(500),
  /** Categories training never saw, counted per categorical feature and window; more are pooled as __other__. */
  DRIFT_MAX_CATEGORIES: intFromEnv(2, 100_000).default(200),
  /** Per-feature overrides, `feature=test:threshold,...` (tests: psi, ks, wasserstein, jensenshannon, chisquare). */
  DRIFT_FEATURE_TESTS: z.string().default(''),
  /** PSI at or above which a numeric feature (or the score) counts as drifted by default. */
  DRIFT_PSI_THRESHOLD: z.coerce.number().positive().default(0.2),
  /** Multiple-testing correction across a window's p-value tests. */
  DRIFT_CORRECTION: z.enum(['bh', 'bonferroni', 'none']).default('bh'),
  /** The model drifts when at least this share of its features (with data) drifted. */
  DRIFT_SHARE: z.coerce.number().gt(0).max(1).default(0.5),
  /**
   * Time windows with fewer events are reported but not judged and leave alert streaks as they are:
   * PSI on n values of a 10-bin histogram is about 9 / n by chance alone, so 200 keeps that near
   * 0.05, a quarter of the 0.2 threshold. Count windows always hold DRIFT_WINDOW_SIZE and are judged.
   */
  DRIFT_MIN_WINDOW_EVENTS: intFromEnv(1, 10_000_000).default(200),
  /** A drifted score alone makes the model drifted. */
  DRIFT_SCORE_DECIDES: boolFromEnv().default(true),
  /** Consecutive drifted windows before ModelDriftDetected fires. */
  DRIFT_FIRE_AFTER: intFromEnv(1, 1000).default(1),
  /** Consecutive clean windows before it resolves. */
  DRIFT_RESOLVE_AFTER: intFromEnv(1, 1000).default(1),
  /** Also raise FeatureDriftDetected per drifted feature. */
  DRIFT_FEATURE_ALERTS: boolFromEnv().default(false),
  /** Count ingestion's dead letters (TOPIC_EVENTS_DLQ) into each window's schema-violation rate. */
  DRIFT_COUNT_DEAD_LETTERS: boolFromEnv().default(true),
  /** Feature vectors (and predictions) waiting for their partner, at most, per side. */
  DRIFT_JOIN_CAPACITY: intFromEnv(100, 10_000_000).default(100_000),
  /**
   * The broker answers a fetch once it holds DRIFT_FETCH_MIN_BYTES for this consumer, or after
   * DRIFT_FETCH_MAX_WAIT_MS. Drift windows close minutes (or thousands of events) apart, so fetching
   * fewer, fuller batches delays a report by at most the wait, and saves the CPU of small fetch
   * cycles (each batch also saves the open windows to Redis) on the cores the scoring path shares.
   * At most 1 MiB: kafkajs takes at most 1 MiB per partition, so more only makes every fetch wait
   * the full time. At least 10 ms, so an idle topic is not polled in a tight loop.
   */
  DRIFT_FETCH_MIN_BYTES: intFromEnv(1, 1024 * 1024).default(64 * 1024),
  DRIFT_FETCH_MAX_WAIT_MS: intFromEnv(10, 10_000).default(500),
  REDIS_URL: redisUrl(),
  ...redisSecurityEnv,
  /** Prefix of every Redis key, so several stacks or tests can share one Redis. */
  REDIS_KEY_PREFIX: z.string().default('tw:drift:'),
  RUNBOOK_BASE_URL: z.url().default('https://github.com/tidewater/tidewater/blob/main/docs/runbooks.md'),
});

export const driftConfigSchema = driftFields.superRefine(...checkSecurityEnv);

export type DriftConfig = z.infer<typeof driftConfigSchema>;
