import { createRequire } from 'node:module';
import type { KafkajsCopy } from './kafkajs-copy.js';
import type { PatchCase } from './kafkajs-patch-case.js';

const RUNNER = 'src/consumer/runner.js';
const require = createRequire(import.meta.url);

interface Runner {
  running: boolean;
  fetchManager: { start(): Promise<void>; stop(): Promise<void> };
  handleBatch(batch: unknown): Promise<void>;
  fetch(nodeId: number): Promise<unknown[]>;
  scheduleFetchManager(): void;
  stop(): Promise<void>;
}
type RunnerClass = new (options: Record<string, unknown>) => Runner;

const noop = () => undefined;

function batchOf(partition: number, offsets: readonly number[]) {
  const messages = offsets.map((o) => ({ offset: String(o), key: null, value: null, headers: {} }));
  const last = String(offsets[offsets.length - 1] ?? -1);
  return {
    topic: 't',
    partition,
    highWatermark: String(Number(last) + 1),
    messages,
    offsetLag: () => '0',
    offsetLagLow: () => '0',
    firstOffset: () => messages[0]?.offset ?? null,
    lastOffset: () => last,
    isEmpty: () => messages.length === 0,
    isEmptyDueToFiltering: () => false,
  };
}

/**
 * A runner over a fake consumer group that logs every call the runner makes to it. With
 * `interval`, the group has autoCommitInterval set; the group's own "is a commit due" answer is
 * scripted (`due`), since that logic is the group's, not the runner's.
 */
async function commitCalls(kafkajs: KafkajsCopy, interval: number | null, commitsFail = false): Promise<string> {
  const Runner = require(`${kafkajs.name}/src/consumer/runner.js`) as RunnerClass;
  const calls: string[] = [];
  // Warnings are part of the output: a commit that failed must say so, not vanish.
  const logger = {
    namespace: () => logger,
    debug: noop,
    info: noop,
    warn: (message: string, extra?: { error?: string }) => void calls.push(`warn ${message}${extra?.error ? `: ${extra.error}` : ''}`),
    error: noop,
  };
  let due = false;
  // With `commitsFail`, OffsetCommits are refused from the rebalance on.
  let refusing = false;
  const group = {
    groupId: 'g',
    memberId: 'm',
    autoCommitInterval: interval,
    autoCommitThreshold: null,
    getNodeIds: () => [1],
    resolveOffset: ({ partition, offset }: { partition: number; offset: string }) => calls.push(`resolve ${partition}@${offset}`),
    commitOffsets: async () => {
      calls.push('commit');
      if (commitsFail && refusing) throw new Error('coordinator not available');
    },
    commitOffsetsIfNecessary: async () => void calls.push(due ? 'commit (due)' : 'commit? not due'),
    heartbeat: async () => undefined,
    hasSeekOffset: () => false,
    isPaused: () => false,
    fetch: async () => [],
    leave: async () => void calls.push('leave'),
    joinAndSync: async () => void calls.push('join'),
  };
  const runner = new Runner({
    logger,
    consumerGroup: group,
    instrumentationEmitter: { emit: noop },
    eachBatchAutoResolve: false,
    concurrency: 1,
    heartbeatInterval: 1000,
    onCrash: (e: Error) => calls.push(`crash ${e.message}`),
    autoCommit: true,
    eachBatch: async ({ batch, resolveOffset }: { batch: ReturnType<typeof batchOf>; resolveOffset(o: string): void }) =>
      resolveOffset(batch.lastOffset()),
  });
  runner.running = true;
  calls.push('-- three batches');
  for (const [p, offsets] of [
    [0, [0, 1]],
    [1, [5]],
    [0, [2, 3]],
  ] as const)
    await runner.handleBatch(batchOf(p, offsets));
  calls.push('-- an empty fetch, then one once a commit is due');
  await runner.fetch(1);
  due = true;
  await runner.fetch(1);
  due = false;
  calls.push('-- the group rebalances during a fetch cycle');
  refusing = true;
  let failed = false;
  runner.fetchManager.start = async () => {
    if (failed) {
      runner.running = false;
      return;
    }
    failed = true;
    throw Object.assign(new Error('rebalancing'), { name: 'KafkaJSProtocolError', type: 'REBALANCE_IN_PROGRESS' });
  };
  runner.scheduleFetchManager();
  for (let i = 0; i < 50 && runner.running; i++) await new Promise((r) => setTimeout(r, 5));
  runner.running = true;
  calls.push('-- a batch, then stop');
  // Upstream commits after the batch, and a refused commit fails it.
  await runner.handleBatch(batchOf(1, [6])).catch((e: Error) => calls.push(`batch failed: ${e.message}`));
  runner.fetchManager.stop = async () => undefined;
  await runner.stop();
  return calls.join('\n');
}

/**
 * Upstream awaits an OffsetCommit after every eachBatch batch whatever autoCommitInterval says.
 * The patch keeps that without an interval, and with one commits only when due (after a batch and
 * on every fetch), before re-joining on a rebalance, and on stop (upstream never commits there).
 */
export const runnerCases: readonly PatchCase[] = [
  {
    id: 'runner-commit-every-batch',
    files: [RUNNER],
    inputs: 'eachBatch, autoCommit without interval: 3 batches, 2 fetches, a rebalance, 1 batch, stop',
    sameAsUpstream: true,
    run: async (kafkajs) => commitCalls(kafkajs, null),
  },
  {
    id: 'runner-commit-on-interval',
    files: [RUNNER],
    inputs: 'eachBatch, autoCommitInterval 1000: 3 batches, 2 fetches (due on the 2nd), a rebalance, 1 batch, stop',
    sameAsUpstream: false,
    run: async (kafkajs) => commitCalls(kafkajs, 1000),
  },
  {
    id: 'runner-commit-on-interval-failing',
    files: [RUNNER],
    inputs: 'as runner-commit-on-interval, every OffsetCommit refused',
    sameAsUpstream: false,
    run: async (kafkajs) => commitCalls(kafkajs, 1000, true),
  },
];
