import { setTimeout as sleep } from 'node:timers/promises';
import type { TidewaterProducer } from '@tidewater/kafka';
import { dueUntil, type ScheduledEvent } from './schedule.js';

/** Records per produce call and events per POST /v1/events (ingestion's HTTP_MAX_BATCH default). */
const KAFKA_BATCH = 2000;
const HTTP_BATCH = 1000;

/** What a step's sending did: per event, how late its send started against the schedule. */
export interface SendLog {
  /** Epoch ms each event's send started, by position in the schedule (NaN until sent). */
  readonly sentAt: Float64Array;
  /** Events whose HTTP request ingestion refused or that failed on the network. */
  httpFailed: number;
}

export interface StepSender {
  readonly producer: TidewaterProducer;
  readonly topic: string;
  /** ingestion's `POST /v1/events` URL and an API key for it. */
  readonly httpUrl: string;
  readonly apiKey: string;
  /** The event at position `seq` of the step, due at `at`. */
  readonly event: (seq: number, at: number) => { key: string; json: string };
}

/**
 * Sends a step's schedule: one pump for Kafka, one for HTTP, each sending every event already due
 * in one request, then the next. A slow request makes the next one bigger; it never moves the
 * schedule, so latency counted from the scheduled time includes the wait (open loop).
 */
export async function sendSchedule(schedule: readonly ScheduledEvent[], s: StepSender): Promise<SendLog> {
  const log: SendLog = { sentAt: new Float64Array(schedule.length).fill(Number.NaN), httpFailed: 0 };
  const viaKafka = schedule.filter((e) => !e.http);
  const viaHttp = schedule.filter((e) => e.http);
  await Promise.all([
    pump(viaKafka, KAFKA_BATCH, async (batch) => {
      await s.producer.send(
        s.topic,
        batch.map((e) => {
          const { key, json } = s.event(e.seq, e.at);
          return { key, value: Buffer.from(json) };
        }),
      );
    }),
    pump(viaHttp, HTTP_BATCH, async (batch) => {
      const body = `[${batch.map((e) => s.event(e.seq, e.at).json).join(',')}]`;
      try {
        const res = await fetch(s.httpUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': s.apiKey },
          body,
        });
        await res.arrayBuffer();
        if (!res.ok) log.httpFailed += batch.length;
      } catch {
        log.httpFailed += batch.length;
      }
    }),
  ]);
  return log;

  async function pump(
    list: readonly ScheduledEvent[],
    max: number,
    send: (batch: readonly ScheduledEvent[]) => Promise<void>,
  ): Promise<void> {
    let i = 0;
    while (i < list.length) {
      const now = Date.now();
      const end = Math.min(dueUntil(list, i, now), i + max);
      if (end === i) {
        await sleep(Math.max(1, Math.min(5, list[i]!.at - now)));
        continue;
      }
      const batch = list.slice(i, end);
      for (const e of batch) log.sentAt[e.seq] = now;
      await send(batch);
      i = end;
    }
  }
}
