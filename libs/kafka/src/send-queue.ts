import type { OutgoingMessage } from './outgoing.js';
import { recordBytes } from './request-chunks.js';
import type { RecordAck } from './types.js';

/** Records for one topic, already in the shape a produce request takes. */
export interface TopicMessages {
  readonly topic: string;
  readonly messages: readonly OutgoingMessage[];
}

export interface SendQueueOptions {
  /** Writes the batches (in one request when they fit, else in consecutive ones); resolves once Kafka acknowledged them. */
  readonly send: (batches: readonly TopicMessages[]) => Promise<RecordAck[]>;
  /** Sends queued behind one another are merged up to this many bytes per request (one larger send goes alone). */
  readonly maxRequestBytes: number;
  /**
   * Whether a merged request's failure may be one sender's fault (a record the broker refuses), so each
   * sender's records are tried again on their own; false for an outage, which every sender shares.
   */
  readonly isolate: (err: unknown) => boolean;
}

export interface SendQueue {
  /** Queues the batches behind the request in flight; resolves with the acknowledgements of the request that carried them. */
  enqueue(batches: readonly TopicMessages[]): Promise<RecordAck[]>;
}

interface Waiting {
  readonly batches: readonly TopicMessages[];
  readonly bytes: number;
  readonly resolve: (acks: RecordAck[]) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * One produce request at a time, carrying every send queued while the previous one was in flight.
 * kafkajs's idempotent producer holds a lock per broker for the whole of each request (its sequence
 * numbers), so concurrent sends (a consumer's partitions processed at once, HTTP requests, dead
 * letters) otherwise wait for one acknowledgement each, one after another: on a single broker every
 * batch of a fetch paid a full acks=all round trip in turn (issue 23). Merging them costs an idle
 * producer nothing (no linger: a send with nothing in flight goes at once) and keeps each
 * partition's order, since senders are merged in the order they called.
 */
export function createSendQueue(opts: SendQueueOptions): SendQueue {
  let queue: Waiting[] = [];
  let busy = false;

  async function sendOne(w: Waiting): Promise<void> {
    try {
      w.resolve(await opts.send(w.batches));
    } catch (err) {
      w.reject(err);
    }
  }

  async function sendMerged(items: readonly Waiting[]): Promise<void> {
    if (items.length === 1) return sendOne(items[0]!);
    let acks: RecordAck[];
    try {
      acks = await opts.send(mergeByTopic(items));
    } catch (err) {
      if (!opts.isolate(err)) {
        for (const w of items) w.reject(err);
        return;
      }
      // One sender's records must not sink the others': each is tried again alone, in order.
      for (const w of items) await sendOne(w);
      return;
    }
    for (const w of items) {
      const topics = new Set(w.batches.map((b) => b.topic));
      w.resolve(acks.filter((a) => topics.has(a.topicName)));
    }
  }

  async function pump(): Promise<void> {
    busy = true;
    try {
      while (queue.length > 0) {
        // The head always goes; those behind it join while the request stays within maxRequestBytes.
        let bytes = queue[0]!.bytes;
        let n = 1;
        while (n < queue.length && bytes + queue[n]!.bytes <= opts.maxRequestBytes) bytes += queue[n++]!.bytes;
        const items = queue.slice(0, n);
        queue = queue.slice(n);
        await sendMerged(items);
      }
    } finally {
      busy = false;
    }
  }

  return {
    enqueue(batches) {
      let bytes = 0;
      for (const b of batches) for (const m of b.messages) bytes += recordBytes(m);
      return new Promise<RecordAck[]>((resolve, reject) => {
        queue.push({ batches, bytes, resolve, reject });
        if (!busy) void pump();
      });
    },
  };
}

/** The senders' batches as one list per topic, each sender's records after those of the senders before it. */
function mergeByTopic(items: readonly Waiting[]): TopicMessages[] {
  const byTopic = new Map<string, OutgoingMessage[]>();
  for (const w of items) {
    for (const b of w.batches) {
      let list = byTopic.get(b.topic);
      if (!list) byTopic.set(b.topic, (list = []));
      for (const m of b.messages) list.push(m);
    }
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
