import { createRequire } from 'node:module';
import type { KafkajsCopy } from './kafkajs-copy.js';
import type { PatchCase } from './kafkajs-patch-case.js';

const FILTER_ABORTED = 'src/consumer/filterAbortedMessages.js';
const require = createRequire(import.meta.url);

interface Message {
  readonly offset: string;
  readonly key: Buffer;
  readonly isControlRecord: boolean;
  readonly batchContext: { readonly producerId: string; readonly inTransaction: boolean };
}
type FilterAborted = (args: { messages: Message[]; abortedTransactions: { producerId: string; firstOffset: string }[] }) => Message[];

const ABORT_KEY = Buffer.from([0, 0, 0, 0]);
const data = (offset: number, producerId: string): Message => ({
  offset: String(offset),
  key: Buffer.from('k'),
  isControlRecord: false,
  batchContext: { producerId, inTransaction: true },
});
const abortMarker = (offset: number, producerId: string): Message => ({
  offset: String(offset),
  key: ABORT_KEY,
  isControlRecord: true,
  batchContext: { producerId, inTransaction: true },
});

/**
 * The records a read_committed fetch passes on, per situation: the fetch's records (from its fetch
 * offset) and the broker's list of aborted transactions overlapping them.
 */
function passedOn(kafkajs: KafkajsCopy): string {
  const filter = require(`${kafkajs.name}/${FILTER_ABORTED}`) as FilterAborted;
  // Producer 2's transaction (20-22) is aborted at 23; producer 5's (10, 24) at 25; producer 7 commits 26.
  const log = [data(20, '2'), data(21, '2'), data(22, '2'), abortMarker(23, '2'), data(24, '5'), abortMarker(25, '5'), data(26, '7')];
  const aborted = { p5: { producerId: '5', firstOffset: '10' }, p2: { producerId: '2', firstOffset: '20' } };
  const situations = [
    { name: 'one aborted transaction', messages: log.slice(0, 4), abortedTransactions: [aborted.p2] },
    { name: 'two begun before the fetch offset, in order', messages: log, abortedTransactions: [aborted.p5, aborted.p2] },
    { name: 'two begun before the fetch offset, out of order', messages: log, abortedTransactions: [aborted.p2, aborted.p5] },
    { name: 'none', messages: log.slice(6), abortedTransactions: [] },
  ];
  return situations
    .map(
      (s) =>
        `${s.name}: ${filter({ messages: [...s.messages], abortedTransactions: [...s.abortedTransactions] })
          .map((m) => m.offset)
          .join(',')}`,
    )
    .join('\n');
}

/**
 * Upstream activates one aborted transaction per message: when a fetch starts after several began,
 * the first records of the later ones were passed on as if committed (Java's consumer reads none).
 */
export const fetchCases: readonly PatchCase[] = [
  {
    id: 'filterAbortedMessages',
    files: [FILTER_ABORTED],
    inputs: 'read_committed records with one, two (in and out of order) or no aborted transactions begun before them',
    sameAsUpstream: false,
    run: async (kafkajs) => passedOn(kafkajs),
  },
];
