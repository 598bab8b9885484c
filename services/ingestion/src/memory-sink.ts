import { setTimeout as sleep } from 'node:timers/promises';
import type { DeadLetter } from '@tidewater/kafka';
import type { PaymentEvent } from '@tidewater/schemas';
import type { Context } from '@opentelemetry/api';
import type { IngestSink } from './ingest-path.js';

/**
 * An IngestSink in memory, for unit and property tests: records what would reach events.valid and
 * events.dlq, and can play Kafka being down (`fail`: sends reject) or stuck (`hang`: sends never settle
 * until `mode` is set back to `ok`, as kafkajs waits out an outage).
 */
export interface MemorySink extends IngestSink {
  readonly valid: { event: PaymentEvent; context?: Context }[];
  readonly dlq: DeadLetter[];
  mode: 'ok' | 'fail' | 'hang';
}

export function createMemorySink(): MemorySink {
  const sink: MemorySink = {
    valid: [],
    dlq: [],
    mode: 'ok',
    publishValid: async (records) => {
      await gate();
      sink.valid.push(...records);
    },
    deadLetter: async (letters) => {
      await gate();
      sink.dlq.push(...letters);
    },
  };
  async function gate(): Promise<void> {
    while (sink.mode === 'hang') await sleep(20);
    if (sink.mode === 'fail') throw new Error('KafkaJSConnectionError: broker down (simulated)');
  }
  return sink;
}
