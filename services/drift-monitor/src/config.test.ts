import { describe, expect, it } from 'vitest';
import { driftConfigSchema } from './config.js';

const required = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081',
  REDIS_URL: 'redis://unused:6379',
};

describe('drift-monitor config', () => {
  it('fetches 64 KiB or 500 ms at a time by default', () => {
    const config = driftConfigSchema.parse(required);
    expect(config.DRIFT_FETCH_MIN_BYTES).toBe(65_536);
    expect(config.DRIFT_FETCH_MAX_WAIT_MS).toBe(500);
  });

  it('refuses a fetch shape that would wait in vain or poll in a tight loop, naming both', () => {
    const result = driftConfigSchema.safeParse({
      ...required,
      DRIFT_FETCH_MIN_BYTES: String(2 * 1024 * 1024),
      DRIFT_FETCH_MAX_WAIT_MS: '0',
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['DRIFT_FETCH_MAX_WAIT_MS', 'DRIFT_FETCH_MIN_BYTES']);
  });
});
