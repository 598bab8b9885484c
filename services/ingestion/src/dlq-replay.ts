import type { Logger } from 'pino';
import { deadLetterHeaders, headerText, type KafkaClient, type KafkaHeaders, type TidewaterProducer } from '@tidewater/kafka';

/** Which dead letters to replay; every given condition must hold. */
export interface ReplayFilter {
  /** Only these tw.error.code values. */
  readonly codes?: readonly string[];
  readonly partition?: number;
  /** Inclusive offset range on the DLQ topic (with or without a partition). */
  readonly fromOffset?: bigint;
  readonly toOffset?: bigint;
  /** Inclusive range of tw.dlq.at (when the record was dead-lettered), epoch ms. */
  readonly since?: number;
  readonly until?: number;
  /** Only records that came from this input. */
  readonly source?: 'kafka' | 'http';
  readonly limit?: number;
}

export interface ReplaySummary {
  readonly scanned: number;
  readonly matched: number;
  readonly replayed: number;
  readonly byCode: Record<string, number>;
}

export interface DeadLetterRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: KafkaHeaders;
  readonly code: string;
}

/** Whether a dead letter passes the filter. */
export function matchesFilter(r: DeadLetterRecord, f: ReplayFilter): boolean {
  if (f.codes && f.codes.length > 0 && !f.codes.includes(r.code)) return false;
  if (f.partition !== undefined && r.partition !== f.partition) return false;
  const offset = BigInt(r.offset);
  if (f.fromOffset !== undefined && offset < f.fromOffset) return false;
  if (f.toOffset !== undefined && offset > f.toOffset) return false;
  if (f.since !== undefined || f.until !== undefined) {
    const at = Date.parse(headerText(r.headers, deadLetterHeaders.deadLetteredAt) ?? '');
    if (!Number.isFinite(at) || (f.since !== undefined && at < f.since) || (f.until !== undefined && at > f.until)) return false;
  }
  if (f.source !== undefined) {
    const fromHttp = headerText(r.headers, deadLetterHeaders.sourceRequestId) !== undefined;
    if ((f.source === 'http') !== fromHttp) return false;
  }
  return true;
}

/**
 * The headers a replayed record carries: the original ones (trace context included) without the
 * dead-letter bookkeeping, plus where it was replayed from, so a record failing again is traceable.
 */
export function replayHeaders(r: DeadLetterRecord, dlqTopic: string, at: Date): KafkaHeaders {
  const out: KafkaHeaders = {};
  for (const [k, v] of Object.entries(r.headers))
    if (!k.startsWith('tw.error.') && !k.startsWith('tw.source.') && !k.startsWith('tw.dlq.')) out[k] = v;
  out['tw.replay.of'] = `${dlqTopic}/${r.partition}/${r.offset}`;
  out['tw.replay.at'] = at.toISOString();
  return out;
}

/**
 * Reads the DLQ topic from its start up to the end offsets seen when called, and re-submits the
 * matching records' original bytes (and key) to `targetTopic` (events.raw), where ingestion validates
 * them exactly as it did the first time. `dryRun` lists them without producing.
 */
export async function replayDeadLetters(opts: {
  kafka: KafkaClient;
  producer: TidewaterProducer;
  dlqTopic: string;
  targetTopic: string;
  filter: ReplayFilter;
  dryRun: boolean;
  logger: Logger;
  onMatch?: (r: DeadLetterRecord) => void;
}): Promise<ReplaySummary> {
  const admin = opts.kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(opts.dlqTopic).finally(() => admin.disconnect());
  const remaining = new Map(ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high) - 1n]));
  const matched: DeadLetterRecord[] = [];
  const byCode: Record<string, number> = {};
  let scanned = 0;
  if (remaining.size > 0) {
    const consumer = opts.kafka.consumer({ groupId: `tidewater-dlq-replay-${process.pid}-${Date.now()}`, maxWaitTimeInMs: 200 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [opts.dlqTopic], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              const last = remaining.get(partition);
              if (last === undefined || BigInt(message.offset) > last) return;
              scanned++;
              const r: DeadLetterRecord = {
                partition,
                offset: message.offset,
                key: message.key,
                value: message.value,
                headers: message.headers ?? {},
                code: headerText(message.headers ?? {}, deadLetterHeaders.code) ?? 'unknown',
              };
              if (matchesFilter(r, opts.filter) && (opts.filter.limit === undefined || matched.length < opts.filter.limit)) {
                matched.push(r);
                byCode[r.code] = (byCode[r.code] ?? 0) + 1;
                opts.onMatch?.(r);
              }
              if (BigInt(message.offset) >= last) remaining.delete(partition);
              if (remaining.size === 0) resolve();
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
  }
  if (!opts.dryRun && matched.length > 0) {
    const at = new Date();
    // Chunks keep each produce request small; order within a DLQ partition is kept.
    for (let i = 0; i < matched.length; i += 500) {
      await opts.producer.send(
        opts.targetTopic,
        matched.slice(i, i + 500).map((r) => ({ key: r.key, value: r.value, headers: replayHeaders(r, opts.dlqTopic, at) })),
      );
    }
    opts.logger.info({ replayed: matched.length, targetTopic: opts.targetTopic }, 'dead letters replayed');
  }
  return { scanned, matched: matched.length, replayed: opts.dryRun ? 0 : matched.length, byCode };
}
