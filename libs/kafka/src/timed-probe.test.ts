import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createKafkaClient } from './kafka-client.js';
import { createTimedProbe } from './timed-probe.js';

const logger = pino({ level: 'silent' });

describe('createTimedProbe', () => {
  it('closes within about a second while a run is stuck connecting to an unreachable Kafka', async () => {
    // The service's client settings: kafkajs retries a refused connect for tens of seconds.
    const kafka = createKafkaClient({ brokers: ['127.0.0.1:1'], clientId: 'timed-probe-test', logger });
    let failures = 0;
    const probe = createTimedProbe({
      kafka,
      logger,
      what: 'test probe',
      intervalMs: 60_000,
      run: async () => undefined,
      onFailure: () => failures++,
    });
    probe.start();
    const started = Date.now();
    await probe.close();
    expect(Date.now() - started).toBeLessThan(3_000);
    await probe.close(); // idempotent
  });

  it('counts a failed run and runs again on the next call', async () => {
    const kafka = createKafkaClient({ brokers: ['127.0.0.1:1'], clientId: 'timed-probe-test', logger, retry: { retries: 0 } });
    let failures = 0;
    const probe = createTimedProbe({
      kafka,
      logger,
      what: 'test probe',
      intervalMs: 0,
      run: async () => undefined,
      onFailure: () => failures++,
    });
    await probe.probe();
    await probe.probe();
    expect(failures).toBe(2);
    await probe.close();
  });
});
