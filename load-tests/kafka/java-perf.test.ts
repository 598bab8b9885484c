import { describe, expect, it } from 'vitest';
import { parseConsumerPerformance, parseProducerPerformance } from './java-perf.js';

// What Kafka 4.4.0's tools printed on the dev stack (a warm-up of 50,000 records for the producer).
const producerOut = `Warmup first 50000 records. Steady state results will print after the complete test summary.
400000 records sent, 50093.926111 records/sec (10.13 MB/sec), 210.60 ms avg latency, 965.00 ms max latency, 169 ms 50th, 486 ms 95th, 562 ms 99th, 587 ms 99.9th.
350000 steady state records sent, 71312.143439 records/sec (14.42 MB/sec), 230.78 ms avg latency, 594.00 ms max latency, 202 ms 50th, 490 ms 95th, 563 ms 99th, 587 ms 99.9th.
`;
const consumerOut = `start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
2026-12-06 00:55:21:139, 2026-12-06 00:55:24:204, 101.0895, 32.9819, 500000, 163132.1370, 941, 2124, 47.5939, 235404.8964
`;

describe('parseProducerPerformance', () => {
  it('reads the steady-state line when the run had warm-up records', () => {
    expect(parseProducerPerformance(producerOut)).toMatchObject({
      msgsPerS: 71312.143439,
      mbPerS: 14.42,
      avgLatencyMs: 230.78,
      p99LatencyMs: 563,
    });
  });

  it('reads the total when there was no warm-up', () => {
    const total = producerOut.split('\n')[1]!;
    expect(parseProducerPerformance(total).msgsPerS).toBe(50093.926111);
  });

  it('fails on output without a summary (a changed format must not read as 0 msgs/s)', () => {
    expect(() => parseProducerPerformance('Exception in thread "main"')).toThrow(/no summary/);
  });
});

describe('parseConsumerPerformance', () => {
  it('reads the fetch rate (group join excluded) by column name', () => {
    expect(parseConsumerPerformance(consumerOut, 500_000)).toEqual({
      msgsPerS: 235404.8964,
      mbPerS: 47.5939,
      rebalanceMs: 941,
      fetchMs: 2124,
    });
  });

  it('fails when the tool read fewer records than asked (it gives up after --timeout without new records)', () => {
    expect(() => parseConsumerPerformance(consumerOut, 600_000)).toThrow(/read 500000 of 600000/);
  });

  it('fails when a column it needs is missing', () => {
    const renamed = consumerOut.replace('fetch.nMsg.sec', 'fetch.records.sec');
    expect(() => parseConsumerPerformance(renamed, 1)).toThrow(/no fetch.nMsg.sec column/);
  });
});
