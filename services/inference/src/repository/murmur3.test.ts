import { describe, expect, it } from 'vitest';
import { murmur3 } from './murmur3.js';

describe('murmur3', () => {
  it('matches the reference MurmurHash3_x86_32 test vectors', () => {
    expect(murmur3('', 0)).toBe(0);
    expect(murmur3('', 1)).toBe(0x514e28b7);
    expect(murmur3('', 0xffffffff)).toBe(0x81f16f39);
    expect(murmur3('hello', 0)).toBe(0x248bfa47);
    expect(murmur3('abc', 0)).toBe(0xb3dd93fa);
    expect(murmur3('The quick brown fox jumps over the lazy dog', 0)).toBe(0x2e4ff723);
    // Every tail length, with the seed of the widely used vector list.
    const seed = 0x9747b28c;
    expect(['a', 'aa', 'aaa', 'aaaa'].map((k) => murmur3(k, seed))).toEqual([0x7fa09ea6, 0x5d211726, 0x283e0130, 0x5a97808a]);
    expect(['ab', 'abc', 'abcd'].map((k) => murmur3(k, seed))).toEqual([0x74875592, 0xc84a62dd, 0xf0478627]);
    expect(murmur3('Hello, world!', seed)).toBe(0x24884cba);
    expect(murmur3('a'.repeat(256), seed)).toBe(0x37405bdc);
  });

  it('hashes the UTF-8 bytes of non-ASCII keys, also keys longer than its scratch buffer', () => {
    // Expected values from SMHasher's C MurmurHash3_x86_32 run on the UTF-8 bytes.
    expect(['ππππ', 'é', '日本語キー'].map((k) => murmur3(k, 0x9747b28c))).toEqual([1196280232, 3803873894, 2960974128]);
    expect(murmur3('card-42', 7)).toBe(0xedb4ee15);
    const long = `${'x'.repeat(5000)}é`;
    expect(murmur3(long, 3)).not.toBe(murmur3(long.slice(0, -1), 3));
    // The scratch buffer grew for the long key; short keys still hash as before.
    expect(murmur3('hello', 0)).toBe(0x248bfa47);
  });
});
