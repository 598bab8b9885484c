import type { Context } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { TidewaterError } from '@tidewater/errors';
import {
  describeError,
  isConfluentWireFormat,
  type AvroDecoder,
  type DeadLetter,
  type DeadLetterSource,
  type KafkaHeaders,
} from '@tidewater/kafka';
import type { PaymentEvent, RawPaymentEvent } from '@tidewater/schemas';
import type { ClaimResult, DedupeClaim, DedupeStore } from './dedupe.js';
import { ingestErrors } from './errors.js';
import type { IngestMetrics, InputKind } from './ingest-metrics.js';
import type { Protector } from './privacy.js';
import { parseJsonBytes, validateRawObject, type ValidationPolicy } from './validate-event.js';

/** One raw input: a message of events.raw or one item of an HTTP request, as bytes. */
export interface RawInput {
  readonly value: Buffer | null;
  readonly key?: Buffer | null;
  readonly headers?: KafkaHeaders;
  readonly source: DeadLetterSource;
  /** Identity of this raw input for dedupe ownership (stable across redeliveries of the same record). */
  readonly owner: string;
  readonly context?: Context;
  /** The input already parsed from JSON (an element of an HTTP array), so it is not parsed twice. */
  readonly decoded?: unknown;
}

export type ItemResult =
  | { readonly status: 'accepted'; readonly eventId: string }
  | { readonly status: 'duplicate'; readonly eventId: string }
  | { readonly status: 'rejected'; readonly code: string; readonly message: string };

/** A valid event waiting to be admitted: the clear event_id for dedupe, the protected event to publish. */
export interface Candidate {
  readonly eventId: string;
  readonly event: PaymentEvent;
  readonly owner: string;
  readonly context?: Context;
}

/** Where the path writes: events.valid (encoded by the sink) and events.dlq. Both resolve once Kafka acknowledged. */
export interface IngestSink {
  publishValid(records: readonly { event: PaymentEvent; context?: Context }[]): Promise<void>;
  deadLetter(letters: readonly DeadLetter[]): Promise<void>;
}

export interface IngestPathOptions {
  readonly policy: ValidationPolicy;
  readonly protect: Protector;
  readonly dedupe: DedupeStore;
  readonly sink: IngestSink;
  readonly metrics: IngestMetrics;
  readonly logger: Logger;
  /** Reads Avro (Confluent wire format) inputs; without it every input is read as JSON. */
  readonly avro?: AvroDecoder<RawPaymentEvent>;
  readonly now?: () => number;
}

export interface IngestPath {
  /** Fetches writer schemas of Avro inputs so `judge` stays synchronous; rejects when the registry is down. */
  prepare(values: readonly (Buffer | null)[]): Promise<void>;
  /**
   * Decodes (JSON, or Avro when `avro` and the value is in the wire format), validates and normalizes one
   * input; throws the TidewaterError that rejects it.
   */
  judge(value: Buffer | null, decoded?: unknown, avro?: boolean): { eventId: string; event: PaymentEvent };
  /**
   * Dedupes valid events and publishes the new ones, in order, to events.valid; returns each one's fate.
   * Throws the retriable TW_INGEST_IN_FLIGHT, publishing nothing, when another owner holds a pending claim
   * on one of the ids: whether it is a duplicate is known only once that owner's publish settles, so the
   * source retries (the HTTP client after its 503, the consumer runner with backoff).
   */
  admit(candidates: readonly Candidate[], input: InputKind): Promise<('accepted' | 'duplicate')[]>;
  /** The whole path for a batch of raw inputs: judge, admit, dead-letter; one result per input, in order. */
  ingest(items: readonly RawInput[], input: InputKind): Promise<ItemResult[]>;
}

/** One ingest path shared by the Kafka and HTTP inputs. */
export function createIngestPath(opts: IngestPathOptions): IngestPath {
  const now = opts.now ?? Date.now;
  const log = opts.logger.child({ component: 'ingest' });

  function judge(value: Buffer | null, decoded?: unknown, avro = true): { eventId: string; event: PaymentEvent } {
    const at = now();
    const parsed =
      decoded !== undefined
        ? decoded
        : avro && value && opts.avro && isConfluentWireFormat(value)
          ? opts.avro.decode(value)
          : parseJsonBytes(value);
    const event = validateRawObject(parsed, at, opts.policy);
    return { eventId: event.event_id, event: opts.protect(event) };
  }

  async function prepare(values: readonly (Buffer | null)[]): Promise<void> {
    if (opts.avro) await opts.avro.prepare(values);
  }

  async function admit(candidates: readonly Candidate[], input: InputKind) {
    const fates: ('accepted' | 'duplicate')[] = new Array<'accepted' | 'duplicate'>(candidates.length).fill('duplicate');
    // A repeat inside one batch is a duplicate of its first occurrence without asking the store.
    const firsts = new Map<string, number>();
    candidates.forEach((c, i) => {
      if (!firsts.has(c.eventId)) firsts.set(c.eventId, i);
    });
    const firstIdx = [...firsts.values()];
    const claims: DedupeClaim[] = firstIdx.map((i) => ({ eventId: candidates[i]!.eventId, owner: candidates[i]!.owner }));
    const results: ClaimResult[] = await opts.dedupe.claim(claims);
    const won = claims.filter((_c, j) => results[j] === 'new');
    if (results.includes('in_flight')) {
      // Dropping the copy as a duplicate would lose the event if that other publish fails and its source
      // gives up (an HTTP client that does not retry its 503). Our own claims are released first, so two
      // batches waiting on each other cannot deadlock.
      await opts.dedupe.release(won);
      throw ingestErrors.create('TW_INGEST_IN_FLIGHT', 'an event of this batch is being published by another input');
    }
    const toPublish: Candidate[] = [];
    firstIdx.forEach((i, j) => {
      if (results[j] === 'new') {
        fates[i] = 'accepted';
        toPublish.push(candidates[i]!);
      }
    });
    // An outage can hold the publish far longer than the pending TTL (and an HTTP client retries after its
    // 503 meanwhile): renew the claims until Kafka answers, so no retry publishes a second copy.
    const renewal =
      won.length > 0 && Number.isFinite(opts.dedupe.pendingMs)
        ? setInterval(
            () => void opts.dedupe.renew(won).catch((err: unknown) => log.warn({ err }, 'cannot renew dedupe claims')),
            Math.max(1, Math.floor(opts.dedupe.pendingMs / 3)),
          ).unref()
        : undefined;
    try {
      await opts.sink.publishValid(toPublish.map((c) => ({ event: c.event, ...(c.context ? { context: c.context } : {}) })));
    } catch (err) {
      clearInterval(renewal);
      // Not published: the claims must not make the retry look like a duplicate.
      await opts.dedupe.release(won).catch((releaseErr: unknown) => log.warn({ err: releaseErr }, 'cannot release dedupe claims'));
      throw err;
    }
    clearInterval(renewal);
    // Not awaited: one round trip less per batch. Commands on one Redis connection run in order, so any
    // later claim from this process sees the confirmation; if it fails, the claims expire after the pending
    // TTL and a later copy may be published again (a duplicate, never a loss).
    opts.dedupe.confirm(won).catch((err: unknown) => log.warn({ err, events: won.length }, 'cannot confirm dedupe claims'));
    const dups = candidates.length - toPublish.length;
    opts.metrics.accepted.inc({ input }, toPublish.length);
    if (dups > 0) {
      opts.metrics.duplicates.inc({ input }, dups);
      if (log.isLevelEnabled('debug'))
        candidates.forEach(
          (c, i) => fates[i] === 'duplicate' && log.debug({ input, eventId: c.event.event_id }, 'duplicate event dropped'),
        );
    }
    return fates;
  }

  async function ingest(items: readonly RawInput[], input: InputKind): Promise<ItemResult[]> {
    // The HTTP API takes JSON only: a line starting with a zero byte is malformed JSON, not a reason to
    // make the schema registry look up an id chosen by the client.
    const avro = input === 'kafka';
    if (avro) await prepare(items.map((i) => i.value));
    const results: (ItemResult | undefined)[] = [];
    const candidates: Candidate[] = [];
    const candidateIdx: number[] = [];
    const letters: DeadLetter[] = [];
    items.forEach((item, i) => {
      try {
        const { eventId, event } = judge(item.value, item.decoded, avro);
        candidates.push({ eventId, event, owner: item.owner, ...(item.context ? { context: item.context } : {}) });
        candidateIdx.push(i);
        results.push(undefined);
      } catch (err) {
        // Anything but a non-retriable TidewaterError is infrastructure trouble (registry down): fail the batch.
        if (!(err instanceof TidewaterError) || err.retriable) throw err;
        const error = describeError(err, 'TW_INGEST_SCHEMA_VIOLATION');
        letters.push({
          key: item.key ?? null,
          value: item.value,
          ...(item.headers ? { headers: item.headers } : {}),
          source: item.source,
          error,
        });
        results.push({ status: 'rejected', code: error.code, message: error.message });
      }
    });
    // Valid events first: when they cannot be admitted (in flight elsewhere, Kafka down) nothing is written.
    const fates = await admit(candidates, input);
    await opts.sink.deadLetter(letters);
    fates.forEach((fate, j) => {
      results[candidateIdx[j]!] = { status: fate, eventId: candidates[j]!.event.event_id };
    });
    for (const l of letters) opts.metrics.rejected.inc({ input, code: l.error.code });
    return results as ItemResult[];
  }

  return { prepare, judge, admit, ingest };
}
