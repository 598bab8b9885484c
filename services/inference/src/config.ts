import { z } from 'zod';
import { adminApiEnv, boolFromEnv, checkSecurityEnv, commonServiceEnv, intFromEnv } from '@tidewater/config';
import { repoRoot } from '@tidewater/schemas';
import { topicNamesEnv } from '@tidewater/service-runtime';

const inferenceFields = z.object({
  ...commonServiceEnv,
  ...topicNamesEnv,
  HTTP_PORT: intFromEnv(0, 65535).default(8082),
  CONSUMER_GROUP: z.string().min(1).default('tidewater-inference'),
  /** Shadow versions' predictions go here, never to TOPIC_PREDICTIONS. */
  TOPIC_PREDICTIONS_SHADOW: z.string().min(1).default('predictions.shadow'),
  /** Root of the model repository: <root>/<name>/<version>/{manifest.json, model.onnx} and <root>/<name>/policy.json. */
  MODEL_REPOSITORY_DIR: z.string().min(1).default(`${repoRoot}models`),
  /** How often the repository is scanned for new or changed versions and policies, in ms; 0 turns watching off. */
  MODEL_REPOSITORY_POLL_MS: intFromEnv(0, 600_000).default(1000),
  /** The model the stream scores; its traffic policy picks the version per entity. */
  MODEL_NAME: z.string().min(1).default('fraud-demo'),
  /** The admin and OIP APIs' port and tokens (ADMIN_HTTP_PORT, ADMIN_TOKEN_FILE, ADMIN_TOKEN); see README. */
  ...adminApiEnv,
  /** Port of the OIP API (default 8093; a free one when HTTP_PORT is 0): apart from admin, so clients can reach it and not admin. */
  OIP_HTTP_PORT: intFromEnv(0, 65535).optional(),
  /** Tokens of OIP clients, one per line; the OIP API accepts these and the admin tokens, the admin API only its own. */
  OIP_TOKEN_FILE: z.string().min(1).optional(),
  ORT_INTRA_OP_THREADS: intFromEnv(1, 64).default(1),
  ORT_INTER_OP_THREADS: intFromEnv(1, 64).default(1),
  /** Whether ORT's thread-pool threads spin while idle (lower latency with >1 thread, but burns CPU); unset = ORT default (on). */
  ORT_ALLOW_SPINNING: boolFromEnv().optional(),
  /** Most rows in one session run. */
  MAX_BATCH_SIZE: intFromEnv(1, 65536).default(256),
  /** How long a run waits for more rows after its first one. */
  MAX_BATCH_DELAY_MS: intFromEnv(0, 10_000).default(2),
  /** Records read and not yet acknowledged downstream before partitions are paused. */
  MAX_IN_FLIGHT: intFromEnv(1, 10_000_000).default(20_000),
  /** Fetched partition batches processed at once; their rows share session runs. */
  PARTITIONS_CONSUMED_CONCURRENTLY: intFromEnv(1, 1024).default(6),
  /**
   * Bytes fetched per partition per request: bounds memory held by fetched, not yet scored records.
   * 256 KiB keeps a fetch of all six partitions (about 7,000 vectors) under MAX_IN_FLIGHT; at 1 MiB
   * Apache Kafka fills it with about 23,000, the worker pauses partitions and its RSS passes 300 MB
   * (docs/benchmarks/apache-kafka-4.4.0.md).
   */
  FETCH_MAX_BYTES_PER_PARTITION: intFromEnv(1024, 64 * 1024 * 1024).default(256 * 1024),
  /** How long the broker may hold a fetch waiting for data; short, since each fetch cycle adds it to latency. */
  FETCH_MAX_WAIT_MS: intFromEnv(0, 10_000).default(20),
  /**
   * How long the group waits for a silent worker before it hands its partitions to the others: a
   * SIGKILLed worker's partitions stall this long (issue 23). 6000 is the smallest brokers accept by
   * default (`group.min.session.timeout.ms`); see the README for the measurements behind it.
   */
  CONSUMER_SESSION_TIMEOUT_MS: intFromEnv(1000, 300_000).default(6000),
  /** How often a worker tells the group it is alive, and learns of a rebalance: a third of the session or less. */
  CONSUMER_HEARTBEAT_INTERVAL_MS: intFromEnv(100, 100_000).default(500),
  /** Worker threads running ONNX sessions off the event loop; 0 runs them on the main thread. */
  WORKER_THREADS: intFromEnv(0, 64).default(0),
  /** Kafka transactions: predictions and offsets commit together (read-committed readers see each once). */
  EXACTLY_ONCE: boolFromEnv().default(false),
  /** Stable per worker so a restarted worker fences its predecessor's open transaction; defaults to the client id. */
  TRANSACTIONAL_ID: z.string().min(1).optional(),
  /**
   * Exactly-once: how long a worker waits after each commit for the group's offsets to read back
   * committed (the next owner of its partitions starts from them); 0 does not wait, for brokers
   * that do not store transactional offsets (the dev stack's mock cluster).
   */
  EXACTLY_ONCE_OFFSETS_WAIT_MS: intFromEnv(0, 60_000).default(5000),
});

export const inferenceConfigSchema = inferenceFields.superRefine(...checkSecurityEnv).superRefine(
  (c, ctx) => {
    // Kafka's rule: a member that heartbeats less often than its session lasts is dropped between beats.
    const { CONSUMER_HEARTBEAT_INTERVAL_MS: beat, CONSUMER_SESSION_TIMEOUT_MS: session } = c;
    if (typeof beat === 'number' && typeof session === 'number' && beat >= session)
      ctx.addIssue({
        code: 'custom',
        path: ['CONSUMER_HEARTBEAT_INTERVAL_MS'],
        message: `must be less than CONSUMER_SESSION_TIMEOUT_MS (${session}); a third of it or less is usual`,
      });
  },
  { when: () => true },
);

export type InferenceConfig = z.infer<typeof inferenceConfigSchema>;
