import { describe, expect, it } from 'vitest';
import { loadKafkajs } from '../test/kafkajs-copy.js';
import { runnerCases } from '../test/kafkajs-patch-runner-cases.js';

/**
 * patches/kafkajs+2.2.4.patch (src/consumer/runner.js): with autoCommitInterval set, eachBatch mode
 * commits when due instead of after every batch, and commits what was processed before re-joining
 * a rebalancing group and on stop, so at-least-once holds with no more redelivery than the interval.
 */
const run = (id: string, copy: 'kafkajs' | 'kafkajs-upstream') => runnerCases.find((c) => c.id === id)!.run(loadKafkajs(copy));

describe('kafkajs patch: consumer commits', () => {
  it('commits after every batch without an interval, as upstream does', async () => {
    const calls = (await run('runner-commit-every-batch', 'kafkajs')).split('\n');
    expect(calls.filter((c) => c === 'commit')).toHaveLength(4);
    expect(calls.slice(-3)).toEqual(['resolve 1@6', 'commit', 'leave']);
    expect(calls.join('\n')).toEqual(await run('runner-commit-every-batch', 'kafkajs-upstream'));
  });

  it('with an interval, commits only when due, before re-joining, and on stop before leaving', async () => {
    expect((await run('runner-commit-on-interval', 'kafkajs')).split('\n')).toEqual([
      '-- three batches',
      'resolve 0@1',
      'commit? not due',
      'resolve 1@5',
      'commit? not due',
      'resolve 0@3',
      'commit? not due',
      '-- an empty fetch, then one once a commit is due',
      'commit? not due',
      'commit (due)',
      '-- the group rebalances during a fetch cycle',
      'commit',
      'warn The group is rebalancing, re-joining: rebalancing',
      'join',
      '-- a batch, then stop',
      'resolve 1@6',
      'commit? not due',
      'commit',
      'leave',
    ]);
  });

  it('with an interval, says so when the commit before re-joining or on stop fails, and still re-joins and leaves', async () => {
    const calls = (await run('runner-commit-on-interval-failing', 'kafkajs')).split('\n');
    expect(calls.slice(calls.indexOf('-- the group rebalances during a fetch cycle'))).toEqual([
      '-- the group rebalances during a fetch cycle',
      'commit',
      'warn Offsets processed before the rebalance were not committed: coordinator not available',
      'warn The group is rebalancing, re-joining: rebalancing',
      'join',
      '-- a batch, then stop',
      'resolve 1@6',
      'commit? not due',
      'commit',
      'warn Offsets processed before stopping were not committed: coordinator not available',
      'leave',
    ]);
  });
});
