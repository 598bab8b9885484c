// MurmurHash3 x86_32 (Austin Appleby, public domain; SMHasher's reference MurmurHash3_x86_32) of
// a string's UTF-8 bytes. Canary routing hashes an entity key per event, so it must cost tens of
// nanoseconds, not the microseconds of a crypto digest, and any tool in any language that has
// murmur3 can tell which entities a canary gets.

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

// Reused for every key so hashing allocates nothing; grown for a longer key.
let scratch = Buffer.allocUnsafe(256);

function mixK(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

/** MurmurHash3 x86_32 of the UTF-8 bytes of `key`, as an unsigned 32-bit integer. */
export function murmur3(key: string, seed = 0): number {
  if (key.length * 3 > scratch.length) scratch = Buffer.allocUnsafe(Math.max(key.length * 3, scratch.length * 2));
  const len = scratch.write(key, 0, 'utf8');
  const blocks = len & ~3;
  let h = seed | 0;
  for (let i = 0; i < blocks; i += 4) {
    h ^= mixK(scratch.readInt32LE(i));
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = len & 3;
  if (tail > 0) {
    let k = 0;
    for (let i = tail - 1; i >= 0; i--) k = (k << 8) | (scratch[blocks + i] ?? 0);
    h ^= mixK(k);
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
