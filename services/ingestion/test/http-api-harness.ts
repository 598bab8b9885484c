import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createOpsServer } from '@tidewater/ops-server';
import { createApiKeyStore, hashApiKey, type ApiKeyStore } from '../src/api-keys.js';
import { ingestionConfigSchema, validationPolicyOf, type IngestionConfig } from '../src/config.js';
import { createMemoryDedupe } from '../src/dedupe.js';
import { registerHttpApi } from '../src/http-api.js';
import { ingestMetrics } from '../src/ingest-metrics.js';
import { createIngestPath } from '../src/ingest-path.js';
import { createMemorySink, type MemorySink } from '../src/memory-sink.js';
import type { RateLimiter } from '../src/rate-limit.js';
import { createMemoryRateLimiter } from './memory-rate-limiter.js';

// Shared by the HTTP API's test files: the API on the ops server the service runs it on, Kafka played by a
// memory sink, Redis by the in-memory dedupe store and token bucket (each checked against Redis by a shared
// rule suite in the redis project), so these tests need nothing running.
export const logger = pino({ level: 'silent' });
export const now = Date.UTC(2026, 10, 23, 12);
export const GOOD = 'good-key-0123456789';
export const REVOKED = 'revoked-key-0123456789';
/** A key of its own file entry: burst 5, 1 event/s. */
export const LIMITED = 'limited-key-0123456789';

let seq = 0;
export function event(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: `e-${randomUUID()}-${seq++}`,
    occurred_at: '2026-11-23T11:00:00Z',
    card_id: 'card-1',
    amount: 12.5,
    currency: 'EUR',
    merchant_id: 'm-1',
    merchant_category: '5411',
    country: 'DE',
    channel: 'ecom',
    ...patch,
  };
}

export interface Harness {
  readonly app: FastifyInstance;
  readonly sink: MemorySink;
  readonly keys: ApiKeyStore;
  readonly registry: Registry;
  /** Calls the ingest path made to its Avro reader (the HTTP API must make none). */
  readonly avroCalls: number;
}

export interface HttpApiFixture {
  /** An API instance with its own sink, metrics and key file; `env` overrides the test configuration. */
  harness(env?: Record<string, string>): Promise<Harness>;
  /** A directory for key files, removed after the file's tests. */
  dir(): string;
  /** A rate limiter sharing the fixture's buckets, as another replica on the same Redis would have. */
  limiter(): RateLimiter;
}

export function post(app: FastifyInstance, body: string | Buffer, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/v1/events',
    payload: body,
    headers: { 'content-type': 'application/json', 'x-api-key': GOOD, ...headers },
  });
}

/** Registers the setup and teardown hooks of a test file (call it inside its describe). */
export function useHttpApiFixture(): HttpApiFixture {
  let dir: string;
  // One set of buckets for the file's harnesses and limiter(), as one Redis is for replicas.
  const buckets = new Map<string, { tokens: number; at: number }>();
  const harnesses: Harness[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ingest-keys-'));
  });
  afterEach(async () => {
    for (const h of harnesses.splice(0)) {
      h.keys.close();
      await h.app.close();
    }
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
  });

  async function harness(env: Record<string, string> = {}): Promise<Harness> {
    const keyFile = join(dir, `${randomUUID()}.json`);
    writeFileSync(
      keyFile,
      JSON.stringify({
        keys: [
          { id: 'revoked', sha256: hashApiKey(REVOKED), revoked: true },
          { id: `limited-${randomUUID()}`, sha256: hashApiKey(LIMITED), ratePerSecond: 1, burst: 5 },
        ],
      }),
    );
    const config: IngestionConfig = ingestionConfigSchema.parse({
      KAFKA_BROKERS: 'unused:9092',
      SCHEMA_REGISTRY_URL: 'http://unused',
      REDIS_URL: 'redis://unused:6379',
      API_KEYS: `good-${randomUUID()}:${hashApiKey(GOOD)}`,
      API_KEYS_FILE: keyFile,
      API_KEYS_RELOAD_MS: '100',
      HTTP_MAX_BATCH: '50',
      RATE_LIMIT_BURST: '100000',
      HTTP_BODY_LIMIT_BYTES: '65536',
      HTTP_PUBLISH_TIMEOUT_MS: '300',
      DEDUPE_PENDING_MS: '5000',
      ...env,
    });
    const registry = new Registry();
    const metrics = ingestMetrics(registry);
    const sink = createMemorySink();
    const calls = { avro: 0 };
    const refuse = (): never => {
      calls.avro++;
      throw new Error('the HTTP API must not read Avro');
    };
    const path = createIngestPath({
      policy: validationPolicyOf(config),
      protect: (e) => e,
      dedupe: createMemoryDedupe({ windowMs: 60_000, pendingMs: config.DEDUPE_PENDING_MS }),
      sink,
      metrics,
      logger,
      avro: { decode: refuse, prepare: async () => refuse(), decodeAsync: async () => refuse() },
      now: () => now,
    });
    const keys = createApiKeyStore({ envKeys: config.API_KEYS, file: config.API_KEYS_FILE, reloadMs: 100, logger });
    const { app } = createOpsServer({ registry, readiness: {}, logger });
    await registerHttpApi(app, { path, keys, limiter: createMemoryRateLimiter({ buckets }), metrics, logger, config });
    const h: Harness = {
      app,
      sink,
      keys,
      registry,
      get avroCalls() {
        return calls.avro;
      },
    };
    harnesses.push(h);
    return h;
  }

  return { harness, dir: () => dir, limiter: () => createMemoryRateLimiter({ buckets }) };
}
