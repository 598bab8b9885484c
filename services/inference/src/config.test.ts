import { describe, expect, it } from 'vitest';
import { loadConfig } from '@tidewater/config';
import { inferenceConfigSchema } from './config.js';

const base = { KAFKA_BROKERS: 'unused:9092', SCHEMA_REGISTRY_URL: 'http://unused' };

describe('inference config', () => {
  it('defaults to a 6 s session with a heartbeat every 500 ms', () => {
    const c = loadConfig(inferenceConfigSchema, base);
    expect(c.CONSUMER_SESSION_TIMEOUT_MS).toBe(6000);
    expect(c.CONSUMER_HEARTBEAT_INTERVAL_MS).toBe(500);
  });

  it('refuses a heartbeat interval as long as the session, naming both settings', () => {
    expect(() =>
      loadConfig(inferenceConfigSchema, { ...base, CONSUMER_SESSION_TIMEOUT_MS: '3000', CONSUMER_HEARTBEAT_INTERVAL_MS: '3000' }),
    ).toThrow(/CONSUMER_HEARTBEAT_INTERVAL_MS: must be less than CONSUMER_SESSION_TIMEOUT_MS \(3000\)/);
  });

  it('lists the heartbeat problem along with every other one', () => {
    let message = '';
    try {
      loadConfig(inferenceConfigSchema, { ...base, MAX_BATCH_SIZE: '0', CONSUMER_HEARTBEAT_INTERVAL_MS: '7000' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('MAX_BATCH_SIZE');
    expect(message).toContain('CONSUMER_HEARTBEAT_INTERVAL_MS: must be less than CONSUMER_SESSION_TIMEOUT_MS (6000)');
  });
});
