import { describe, expect, it } from 'vitest';
import { chunkBySize, recordBytes } from './request-chunks.js';

describe('chunkBySize', () => {
  it('keeps the order and cuts before the item that would go over the bound', () => {
    expect(chunkBySize([1, 2, 3, 4, 5], (n) => n, 6)).toEqual([[1, 2, 3], [4], [5]]);
  });

  it('gives an item larger than the bound a run of its own', () => {
    expect(chunkBySize([1, 10, 1], (n) => n, 5)).toEqual([[1], [10], [1]]);
  });

  it('returns one run when everything fits, and none for nothing', () => {
    expect(chunkBySize(['a', 'b'], () => 1, 10)).toEqual([['a', 'b']]);
    expect(chunkBySize([], () => 1, 10)).toEqual([]);
  });
});

describe('recordBytes', () => {
  it('counts key, value and headers in bytes, plus framing', () => {
    const bare = recordBytes({ key: null, value: null });
    expect(recordBytes({ key: 'é', value: Buffer.alloc(100) }) - bare).toBe(102);
    expect(recordBytes({ key: null, value: null, headers: { traceparent: 'x'.repeat(55), multi: ['ab', Buffer.alloc(3)] } }) - bare).toBe(
      'traceparent'.length + 8 + 55 + 'multi'.length + 8 + 2 + 3,
    );
  });
});
