import { describe, expect, it, vi } from 'vitest';
import { committedOffsetsReader } from './committed-offsets.js';

describe('committedOffsetsReader', () => {
  it("reads the group's offsets per topic-partition, leaving out partitions without a commit", async () => {
    const fetchOffsets = vi.fn(async () => [
      {
        topic: 'features',
        partitions: [
          { partition: 0, offset: '12', metadata: null },
          { partition: 1, offset: '-1', metadata: null },
        ],
      },
    ]);
    const read = committedOffsetsReader({ fetchOffsets }, 'inference');
    expect(await read(['features'])).toEqual(new Map([['features:0', 12n]]));
    expect(fetchOffsets).toHaveBeenCalledWith({ groupId: 'inference', topics: ['features'] });
  });
});
