import { describe, expect, it } from 'vitest';
import { serviceTuningEnv } from './service-env.js';

describe('serviceTuningEnv', () => {
  it('keeps the services’ tuning variables, sorted, and nothing else', () => {
    expect(
      serviceTuningEnv({
        PATH: '/usr/bin',
        PARTITIONS_CONCURRENTLY: '2',
        CONSUMER_PARTITIONS_CONCURRENTLY: '3',
        DRIFT_FETCH_MIN_BYTES: '1',
        FETCH_MAX_WAIT_MS: '20',
        KAFKA_COMMIT_INTERVAL_MS: '0',
        KAFKA_BROKERS: '127.0.0.1:9092',
        NODE_OPTIONS: '--max-semi-space-size=32',
        TIDEWATER_STACK_DIR: '/tmp/x',
      }),
    ).toEqual({
      CONSUMER_PARTITIONS_CONCURRENTLY: '3',
      DRIFT_FETCH_MIN_BYTES: '1',
      FETCH_MAX_WAIT_MS: '20',
      KAFKA_COMMIT_INTERVAL_MS: '0',
      NODE_OPTIONS: '--max-semi-space-size=32',
      PARTITIONS_CONCURRENTLY: '2',
    });
  });

  it('never records a secret, even under a tuning prefix', () => {
    expect(serviceTuningEnv({ TW_API_KEY: 'k', TW_ALERT_HMAC_SECRET: 's', TW_REDIS_AUTO_PIPELINING: '1', DEDUPE_TTL_MS: '60000' })).toEqual(
      {
        DEDUPE_TTL_MS: '60000',
        TW_REDIS_AUTO_PIPELINING: '1',
      },
    );
  });

  it('is empty when the services run on their defaults', () => {
    expect(serviceTuningEnv({ PATH: '/usr/bin', HOME: '/root' })).toEqual({});
  });
});
