import type { KafkaHeaders } from './types.js';
import { TidewaterError } from '@tidewater/errors';
import type { Registry } from 'prom-client';
import { kafkaMetrics } from './kafka-metrics.js';
import type { TidewaterProducer } from './producer.js';

/** Header names on dead-lettered records. Stable: upstream teams' tooling reads them. */
export const deadLetterHeaders = {
  code: 'tw.error.code',
  message: 'tw.error.message',
  retriable: 'tw.error.retriable',
  sourceTopic: 'tw.source.topic',
  sourcePartition: 'tw.source.partition',
  sourceOffset: 'tw.source.offset',
  sourceRequestId: 'tw.source.request_id',
  service: 'tw.source.service',
  deadLetteredAt: 'tw.dlq.at',
} as const;

/** Where the rejected input came from: a Kafka record, or an HTTP request. */
export type DeadLetterSource =
  | { readonly kind: 'kafka'; readonly topic: string; readonly partition: number; readonly offset: string }
  | { readonly kind: 'http'; readonly requestId: string };

export interface DeadLetter {
  /** The original bytes, untouched. */
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** The original headers (trace context included) are kept. */
  readonly headers?: KafkaHeaders;
  readonly source: DeadLetterSource;
  readonly error: { readonly code: string; readonly message: string; readonly retriable: boolean };
}

/** Describes an error for a dead-letter record, keeping messages bounded for header size. */
export function describeError(err: unknown, fallbackCode: string): DeadLetter['error'] {
  const message = (err instanceof Error ? err.message : String(err)).slice(0, 1000);
  if (err instanceof TidewaterError) return { code: err.code, message, retriable: err.retriable };
  return { code: fallbackCode, message, retriable: false };
}

export interface DeadLetterWriter {
  readonly topic: string;
  /** Writes the records to the dead-letter topic; resolves once Kafka acknowledged them. */
  write(letters: readonly DeadLetter[]): Promise<void>;
}

export function createDeadLetterWriter(opts: {
  producer: TidewaterProducer;
  topic: string;
  service: string;
  registry: Registry;
}): DeadLetterWriter {
  const written = kafkaMetrics(opts.registry).deadLetters;
  return {
    topic: opts.topic,
    async write(letters) {
      if (letters.length === 0) return;
      const now = new Date().toISOString();
      await opts.producer.send(
        opts.topic,
        letters.map((l) => ({
          key: l.key,
          value: l.value,
          headers: {
            ...l.headers,
            [deadLetterHeaders.code]: l.error.code,
            [deadLetterHeaders.message]: l.error.message,
            [deadLetterHeaders.retriable]: String(l.error.retriable),
            [deadLetterHeaders.service]: opts.service,
            [deadLetterHeaders.deadLetteredAt]: now,
            ...(l.source.kind === 'kafka'
              ? {
                  [deadLetterHeaders.sourceTopic]: l.source.topic,
                  [deadLetterHeaders.sourcePartition]: String(l.source.partition),
                  [deadLetterHeaders.sourceOffset]: l.source.offset,
                }
              : { [deadLetterHeaders.sourceRequestId]: l.source.requestId }),
          },
        })),
      );
      for (const l of letters) written.inc({ code: l.error.code });
    },
  };
}
