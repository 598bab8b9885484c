import {
  Admin,
  Consumer,
  FetchIsolationLevels,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  type Message,
  type MessagesStream,
} from '@platformatic/kafka';
import type { Logger } from 'pino';
import type { BatchConsumer, BatchConsumerRun, BatchPayload, GroupConsumerOptions } from '../batch-consumer.js';
import type { KafkaClientSettings } from '../kafka-client.js';
import { kafkaErrors } from '../errors.js';
import { baseOptions } from './client.js';
import { isRetriable } from './errors.js';
import { toRecord } from './records.js';

// The live consumer of each group in this process, for the transactional producer's TxnOffsetCommit,
// which names the member and generation so that a fenced member cannot commit (KIP-447).
const liveMembers = new Map<string, Consumer>();

/** The consumer of `groupId` running in this process, if any; internal to this package. */
export function liveMemberOf(groupId: string): Consumer | undefined {
  return liveMembers.get(groupId);
}

/** A group member as TxnOffsetCommit names it. */
export interface GroupMember {
  readonly groupId: string;
  readonly memberId: string;
  readonly generationId: number;
  readonly coordinatorId: number;
}

// Per group, per partition: the member and generation that last handed that partition's records
// over. Offsets committed in a transaction name these, not the member's current generation: the
// library rejoins on its own while a batch is being processed, so "current" may be a generation in
// which the partition belongs to another member, who starts again from the committed offset; the
// broker must refuse such a commit (ILLEGAL_GENERATION), not take it.
const handedOver = new Map<string, Map<string, GroupMember>>();

/** The member and generation that handed over `topic`/`partition`'s records in this process; internal to this package. */
export function handedOverBy(groupId: string, topic: string, partition: number): GroupMember | undefined {
  return handedOver.get(groupId)?.get(key(topic, partition));
}

// Per group, per partition: the highest next offset a transaction of this process committed. The
// consumer does not commit those again outside the transaction (below).
const committedInTransactions = new Map<string, Map<string, bigint>>();
// Per group: members of it in this process, so the last one to disconnect drops the group's entry.
const membersInProcess = new Map<string, number>();

/** Records that a committed transaction holds `offset` as the group's next offset of the partition; internal to this package. */
export function committedInTransaction(groupId: string, topic: string, partition: number, offset: bigint): void {
  let group = committedInTransactions.get(groupId);
  if (!group) committedInTransactions.set(groupId, (group = new Map()));
  const k = key(topic, partition);
  if (offset > (group.get(k) ?? -1n)) group.set(k, offset);
}

const RESTART_DELAY_MS = 1000;
const STABLE_RETRY_MS = 100;
const key = (topic: string, partition: number) => `${topic}:${partition}`;

/**
 * A group consumer on @platformatic/kafka with the batch interface of kafkajs's `eachBatch`. The
 * library hands records over as one stream of messages; this reads what a fetch delivered, groups
 * it by partition, hands each partition's run to the handler, and commits its resolved offset.
 * A handler failure (or a failed commit) restarts the stream from the committed offsets, as kafkajs
 * restarts its consumer, so the records are delivered again (at-least-once).
 */
export function platformaticGroupConsumer(settings: KafkaClientSettings, opts: GroupConsumerOptions, logger?: Logger): BatchConsumer {
  const consumer = new Consumer({
    ...baseOptions(settings),
    groupId: opts.groupId,
    sessionTimeout: opts.sessionTimeout ?? 30_000,
    rebalanceTimeout: opts.rebalanceTimeout ?? 60_000,
    heartbeatInterval: opts.heartbeatInterval ?? 3000,
    maxWaitTime: opts.maxWaitTimeInMs ?? 5000,
    ...(opts.minBytes === undefined ? {} : { minBytes: opts.minBytes }),
    ...(opts.maxBytesPerPartition === undefined ? {} : { maxBytesPerPartition: opts.maxBytesPerPartition }),
    isolationLevel: opts.readUncommitted ? FetchIsolationLevels.READ_UNCOMMITTED : FetchIsolationLevels.READ_COMMITTED,
    autocommit: false,
  });
  const claims = new Map<string, GroupMember>();
  handedOver.set(opts.groupId, claims);
  membersInProcess.set(opts.groupId, (membersInProcess.get(opts.groupId) ?? 0) + 1);
  let counted = true;
  const joinListeners: ((assignment: Record<string, number[]>) => void)[] = [];
  const crashListeners: ((error: unknown, restart: boolean) => void)[] = [];
  // The generation of the last completed join and that generation's assignment, taken together.
  // The library sets its generationId from the JoinGroup response but its assignments only from
  // the SyncGroup response: in between, "current generation" and "current assignment" belong to
  // different generations, and records of a partition another member owns in the new generation
  // were handed over as this member's in it (the broker accepted their TxnOffsetCommit: events
  // predicted by two live workers). Records are handed over only while the library is still in
  // this generation, and name it.
  let joined: { member: GroupMember; partitions: Set<string> } | undefined;
  // Settled by the next completed join and by disconnect.
  const joinWaiters: (() => void)[] = [];
  consumer.on('consumer:group:join', (payload) => {
    const assignment: Record<string, number[]> = {};
    for (const a of payload.assignments ?? []) assignment[a.topic] = [...a.partitions];
    const partitions = new Set(Object.entries(assignment).flatMap(([topic, ps]) => ps.map((p) => key(topic, p))));
    for (const k of joined?.partitions ?? []) {
      if (partitions.has(k)) continue;
      // Lost: forget what was processed there (its next owner commits) and where the stream was:
      // the library rewinds a partition on its next assignment only to a committed offset, so
      // without one (a new group) it would go on from this old position, past records the owner
      // in between may never have committed.
      next.delete(k);
      stream?.offsetsToFetch.delete(k);
    }
    const member = memberNow();
    joined = member ? { member, partitions } : undefined;
    // read_uncommitted readers do not wait for open transactions (as the Java consumer).
    if (!opts.readUncommitted) gate = stableOffsets(assignment);
    for (const w of joinWaiters.splice(0)) w();
    for (const l of joinListeners) l(assignment);
  });
  /** Whether the library is still in the generation of the last completed join (not rejoining). */
  const settled = () =>
    joined !== undefined && consumer.memberId === joined.member.memberId && consumer.generationId === joined.member.generationId;
  /** Waits for the next completed join, a stop, or `ms`. */
  const nextJoin = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        const i = joinWaiters.indexOf(done);
        if (i >= 0) joinWaiters.splice(i, 1);
        resolve();
      };
      const timer = setTimeout(done, ms);
      joinWaiters.push(done);
    });

  let topics: string[] = [];
  let fromBeginning = false;
  let run: BatchConsumerRun | undefined;
  let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: () => void = () => undefined;
  // Per partition: the next offset to hand over; anything below was processed (a refetch after a
  // rebalance or restart may deliver it again).
  const next = new Map<string, bigint>();
  // Per partition: after a resume or seek, records are dropped until this offset arrives again.
  const refetchFrom = new Map<string, bigint>();
  const paused = new Set<string>();

  // Settles once the committed offsets of the current assignment are stable (below).
  let gate: Promise<unknown> | undefined;
  let admin: Admin | undefined;

  /**
   * Reads the assignment's committed offsets with requireStable (KIP-447) and skips what they
   * cover. The stream starts a partition from its committed offset without requireStable (the
   * library sends false), so while the previous owner's transaction holding that partition's
   * offsets is still open it reads the offset from before it, and the records that transaction
   * commits would be handed over again: read_committed readers would see them twice. The broker
   * answers UNSTABLE_OFFSET_COMMIT until that transaction ends; retried for up to the rebalance
   * timeout (then the stream restarts). Resolves with the error that stopped it, never rejects.
   */
  async function stableOffsets(assignment: Record<string, number[]>): Promise<unknown> {
    const topics = Object.entries(assignment)
      .filter(([, partitions]) => partitions.length > 0)
      .map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
    if (topics.length === 0) return undefined;
    admin ??= new Admin(baseOptions(settings));
    const joinedAs = joined?.member;
    const started = Date.now();
    const deadline = started + (opts.rebalanceTimeout ?? 60_000);
    for (;;) {
      try {
        const groups = await admin.listConsumerGroupOffsets({ groups: [{ groupId: opts.groupId, topics }], requireStable: true });
        for (const t of groups[0]?.topics ?? [])
          for (const p of t.partitions) {
            const k = key(t.name, p.partitionIndex);
            if (p.committedOffset < 0n || !assigned(t.name, p.partitionIndex)) continue;
            if (p.committedOffset > (next.get(k) ?? -1n)) next.set(k, p.committedOffset);
            // A batch in flight since before the rebalance that starts at the stable committed offset
            // of a partition still ours is what this generation's owner would process: it may
            // commit in it (else its TxnOffsetCommit fails until the runner gives up and restarts).
            if (joinedAs && joinedAs.generationId === consumer.generationId && inFlight.get(k) === p.committedOffset)
              claims.set(k, joinedAs);
          }
        // The admin client retries UNSTABLE_OFFSET_COMMIT itself: a wait shows as time, not attempts.
        if (Date.now() - started > 1000)
          logger?.info({ groupId: opts.groupId, ms: Date.now() - started }, "waited for the previous owners' transactions to end");
        return undefined;
      } catch (err) {
        if (!running || Date.now() > deadline) return err;
        await new Promise((resolve) => setTimeout(resolve, STABLE_RETRY_MS));
      }
    }
  }

  /** In the assignment of the last completed join. */
  const assigned = (topic: string, partition: number) => joined?.partitions.has(key(topic, partition)) ?? false;

  async function open(): Promise<void> {
    stream = await consumer.consume({
      topics,
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode: fromBeginning ? MessagesStreamFallbackModes.EARLIEST : MessagesStreamFallbackModes.LATEST,
      autocommit: false,
      sessionTimeout: opts.sessionTimeout ?? 30_000,
      rebalanceTimeout: opts.rebalanceTimeout ?? 60_000,
      heartbeatInterval: opts.heartbeatInterval ?? 3000,
    });
    liveMembers.set(opts.groupId, consumer);
    const s = stream;
    s.on('readable', () => wake());
    s.on('end', () => wake());
    s.on('close', () => wake());
    s.on('error', () => wake());
  }

  /** Waits until the stream has something to read, ended, or failed. */
  const readable = (s: MessagesStream<Buffer, Buffer, Buffer, Buffer>) =>
    new Promise<void>((resolve) => {
      if (s.readableLength > 0 || s.destroyed || s.readableEnded || !running) return resolve();
      wake = resolve;
    });

  /** Drains what the stream holds now, by partition in arrival order. */
  function drain(s: MessagesStream<Buffer, Buffer, Buffer, Buffer>): Map<string, Message[]> {
    const byPartition = new Map<string, Message[]>();
    const member = joined?.member;
    for (let m = s.read() as Message | null; m !== null; m = s.read() as Message | null) {
      const k = key(m.topic, m.partition);
      if (!assigned(m.topic, m.partition)) {
        // Fetched before a rebalance took the partition away: its new owner starts from the
        // committed offset. The fetch that brought it moved the stream's position (see the join).
        s.offsetsToFetch.delete(k);
        continue;
      }
      const from = refetchFrom.get(k);
      if (from !== undefined) {
        if (m.offset !== from) continue;
        refetchFrom.delete(k);
      }
      if (paused.has(k)) {
        // Fetched before the pause took effect: fetch it again on resume.
        if (!refetchFrom.has(k) && !pausedAt.has(k)) pausedAt.set(k, m.offset);
        continue;
      }
      let list = byPartition.get(k);
      // A rebalance rewinds the stream to the committed offset while what it fetched before is
      // still buffered: one read can hold the same offsets twice. Each goes into the batch once.
      const last = list?.[list.length - 1];
      if (m.offset < (last ? last.offset + 1n : (next.get(k) ?? -1n))) continue;
      if (!list) byPartition.set(k, (list = []));
      list.push(m);
      if (member) claims.set(k, member);
    }
    return byPartition;
  }
  const pausedAt = new Map<string, bigint>();
  // Per partition: the first offset of the batch being handled.
  const inFlight = new Map<string, bigint>();

  const memberNow = (): GroupMember | undefined =>
    consumer.memberId && consumer.coordinatorId !== null
      ? { groupId: opts.groupId, memberId: consumer.memberId, generationId: consumer.generationId, coordinatorId: consumer.coordinatorId }
      : undefined;

  async function handle(messages: Message[]): Promise<void> {
    const first = messages[0]!;
    const { topic, partition } = first;
    const records = messages.map(toRecord);
    let resolved: string | undefined;
    const last = messages[messages.length - 1]!;
    const payload: BatchPayload = {
      batch: {
        topic,
        partition,
        messages: records,
        // The stream does not carry the fetch's high watermark: the batch's end is a lower bound of it.
        highWatermark: String(last.offset + 1n),
        lastOffset: () => String(last.offset),
      },
      // The library heartbeats on its own timer; what a handler learns from a heartbeat is whether the
      // partition is still this member's, as kafkajs's heartbeat tells it the group is rebalancing.
      heartbeat: async () => {
        if (!assigned(topic, partition))
          throw kafkaErrors.create('TW_KAFKA_PARTITION_REVOKED', `partition ${topic}[${partition}] was revoked during its batch`);
      },
      isRunning: () => running,
      isStale: () => !assigned(topic, partition),
      resolveOffset: (o) => void (resolved = o),
    };
    const k = key(topic, partition);
    inFlight.set(k, first.offset);
    try {
      await run!.eachBatch(payload);
    } catch (err) {
      // The partition is another member's since: its records are that member's to redo, from the
      // committed offset. Restarting the stream would only rejoin and rebalance the group again.
      if (running && !assigned(topic, partition)) {
        logger?.info({ err, topic, partition, groupId: opts.groupId }, 'batch of a partition lost meanwhile failed; left to its new owner');
        return;
      }
      throw err;
    } finally {
      inFlight.delete(k);
    }
    if (resolved === undefined) return;
    const upTo = BigInt(resolved);
    next.set(k, upTo + 1n);
    if (run!.autoCommit === false) return;
    // Committed in a transaction already (exactly-once): an OffsetCommit besides would be redundant
    // at best, and names the generation of its own send: queued across a rebalance (the library
    // holds it until the rejoin completes), it could land after the new owner's commits and move
    // the partition back.
    if ((committedInTransactions.get(opts.groupId)?.get(k) ?? -1n) > upTo) return;
    const at = messages.find((m) => m.offset === upTo);
    if (at) await at.commit();
  }

  async function consumeLoop(): Promise<void> {
    const concurrency = Math.max(1, run!.partitionsConsumedConcurrently ?? 1);
    while (running) {
      try {
        if (!stream) await open();
        const s = stream!;
        await readable(s);
        if (!running) break;
        if (s.destroyed || s.readableEnded) {
          stream = undefined;
          if (s.errored) throw s.errored;
          continue;
        }
        if (!settled()) {
          // Rejoining: the assignment of the generation being formed is not known yet.
          await nextJoin(1000);
          continue;
        }
        if (gate) {
          // After a rebalance: nothing is handed over before the committed offsets are stable.
          const g = gate;
          const err = await g;
          if (gate === g) gate = undefined;
          if (err !== undefined) throw err;
          if (gate) continue; // another rebalance meanwhile
          if (!settled()) continue;
        }
        const groups = [...drain(s).values()];
        // Up to `concurrency` partitions at once, each partition's records in order. After a
        // failure no further partition starts, and the stream restarts only once the running
        // ones are done (a handler still running then would hand over records of a closed stream).
        let i = 0;
        let failure: { err: unknown } | undefined;
        await Promise.all(
          Array.from({ length: Math.min(concurrency, groups.length) }, async () => {
            while (i < groups.length && !failure) {
              try {
                await handle(groups[i++]!);
              } catch (err) {
                failure ??= { err };
              }
            }
          }),
        );
        if (failure) throw failure.err;
      } catch (err) {
        if (!running) break;
        const restart = isRetriable(err) || !isLibraryError(err);
        for (const l of crashListeners) l(err, restart);
        logger?.warn({ err, groupId: opts.groupId, restart }, 'consumer stopped on an error');
        const s = stream;
        stream = undefined;
        await s?.close().catch(() => undefined);
        if (!restart) {
          running = false;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, RESTART_DELAY_MS));
      }
    }
  }

  return {
    async connect() {
      await consumer.listApis();
    },
    async subscribe(s) {
      topics = [...new Set([...topics, ...s.topics])];
      fromBeginning = s.fromBeginning ?? false;
    },
    async run(r) {
      run = r;
      running = true;
      await open();
      loop = consumeLoop();
    },
    seek({ topic, partition, offset }) {
      const k = key(topic, partition);
      const o = BigInt(offset);
      stream?.offsetsToFetch.set(k, o);
      next.set(k, o);
      refetchFrom.delete(k);
    },
    pause(parts) {
      for (const p of parts) for (const partition of p.partitions) paused.add(key(p.topic, partition));
    },
    resume(parts) {
      for (const p of parts)
        for (const partition of p.partitions) {
          const k = key(p.topic, partition);
          if (!paused.delete(k)) continue;
          const at = pausedAt.get(k);
          pausedAt.delete(k);
          if (at === undefined) continue;
          stream?.offsetsToFetch.set(k, at);
          refetchFrom.set(k, at);
        }
      wake();
    },
    onGroupJoin: (l) => void joinListeners.push(l),
    onCrash: (l) => void crashListeners.push(l),
    async disconnect() {
      running = false;
      wake();
      for (const w of joinWaiters.splice(0)) w();
      await loop?.catch(() => undefined);
      if (liveMembers.get(opts.groupId) === consumer) liveMembers.delete(opts.groupId);
      await stream?.close().catch(() => undefined);
      stream = undefined;
      await consumer.close();
      await admin?.close().catch(() => undefined);
      if (handedOver.get(opts.groupId) === claims) handedOver.delete(opts.groupId);
      if (counted) {
        counted = false;
        const members = (membersInProcess.get(opts.groupId) ?? 1) - 1;
        if (members > 0) membersInProcess.set(opts.groupId, members);
        else {
          membersInProcess.delete(opts.groupId);
          committedInTransactions.delete(opts.groupId);
        }
      }
    },
  };
}

function isLibraryError(err: unknown): boolean {
  const code = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('PLT_KFK_');
}
