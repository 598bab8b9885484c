import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { pipeSends } from './bare-pipe.js';

const record = (valueBytes: number, offset: number): KafkaMessage => ({
  key: Buffer.from('k'),
  value: Buffer.alloc(valueBytes),
  timestamp: '0',
  attributes: 0,
  offset: String(offset),
  headers: {},
});

describe('pipeSends', () => {
  it('keeps a batch in one send while it fits', () => {
    const batch = Array.from({ length: 1000 }, (_, i) => record(200, i));
    const sends = pipeSends(batch);
    expect(sends).toHaveLength(1);
    expect(sends[0]!.every((m, i) => m.value === batch[i]!.value)).toBe(true);
  });

  it('splits a batch past the limit into consecutive sends under it, in order', () => {
    // 10 records of 100 + 1 + 16 = 117 estimated bytes, 300 bytes a send: 2 per send.
    const batch = Array.from({ length: 10 }, (_, i) => record(100, i));
    const sends = pipeSends(batch, 300);
    expect(sends.map((s) => s.length)).toEqual([2, 2, 2, 2, 2]);
    expect(sends.flat().every((m, i) => m.value === batch[i]!.value)).toBe(true);
  });

  it('sends a record larger than the limit on its own rather than not at all', () => {
    const sends = pipeSends([record(10, 0), record(1000, 1), record(10, 2)], 300);
    expect(sends.map((s) => s.length)).toEqual([1, 1, 1]);
  });
});
