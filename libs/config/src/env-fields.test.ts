import { describe, expect, it } from 'vitest';
import { redisUrl } from './env-fields.js';

describe('redisUrl', () => {
  it('takes redis:// and rediss:// URLs, requires one, and refuses anything else', () => {
    expect(redisUrl().safeParse(undefined).success).toBe(false);
    expect(redisUrl().parse('rediss://cache.internal:6380/2')).toBe('rediss://cache.internal:6380/2');
    const refused = redisUrl().safeParse('http://cache.internal:6379');
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toBe('must be a redis:// or rediss:// URL');
  });
});
