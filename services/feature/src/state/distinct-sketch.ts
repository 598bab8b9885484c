/**
 * Distinct counts per bucket: a HyperLogLog with precision 14 (16,384 registers, standard error
 * 1.04 / sqrt(16384) = 0.81%, the same as Redis's PFCOUNT), kept exact while small. A bucket holds
 * the 53-bit hashes of its values until it has more than EXACT_LIMIT of them (2 KiB), then its
 * 16,384 one-byte registers (16 KiB). A window's count is the size of the union of its buckets'
 * hashes while every bucket is exact (exact unless two values share a 53-bit hash), else the
 * HyperLogLog estimate over the buckets' merged registers. Buckets merge losslessly (registers
 * take the maximum), which is what makes one sketch per bucket add up to a sliding window.
 */
export const HLL_PRECISION = 14;
const M = 1 << HLL_PRECISION;
const ALPHA = 0.7213 / (1 + 1.079 / M);
/** Hashes a bucket keeps before it switches to registers: 256 x 8 bytes, well under the 16 KiB of registers. */
export const EXACT_LIMIT = 256;

/** Either the exact hashes of a bucket's values, or its HyperLogLog registers. */
export type DistinctSketch = { kind: 'exact'; hashes: number[] } | { kind: 'registers'; registers: Uint8Array };

/**
 * cyrb53 (public domain, bryc): a fast, well-mixed 53-bit string hash over two 32-bit Murmur-style
 * lanes; stable across processes and versions, so sketches written by one process merge with another's.
 */
export function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Register index (low 14 bits) and rank (position of the first 1 in the other 39 bits, from the top). */
function addToRegisters(registers: Uint8Array, h: number): void {
  const lo = h % 4294967296;
  const hi = (h - lo) / 4294967296; // 21 bits
  const index = lo & (M - 1);
  const rest = lo >>> HLL_PRECISION; // 18 bits
  const rank = hi !== 0 ? Math.clz32(hi) - 11 + 1 : rest !== 0 ? 21 + Math.clz32(rest) - 14 + 1 : 40;
  if (rank > registers[index]!) registers[index] = rank;
}

export const emptySketch = (): DistinctSketch => ({ kind: 'exact', hashes: [] });

export function sketchAdd(sketch: DistinctSketch, h: number): DistinctSketch {
  if (sketch.kind === 'registers') {
    addToRegisters(sketch.registers, h);
    return sketch;
  }
  if (sketch.hashes.includes(h)) return sketch;
  sketch.hashes.push(h);
  if (sketch.hashes.length <= EXACT_LIMIT) return sketch;
  const registers = new Uint8Array(M);
  for (const x of sketch.hashes) addToRegisters(registers, x);
  return { kind: 'registers', registers };
}

const scratch = new Uint8Array(M);

/** Distinct values in the union of the sketches: exact while all are exact, else the HyperLogLog estimate. */
export function sketchCount(sketches: readonly DistinctSketch[]): number {
  if (sketches.length === 0) return 0;
  if (sketches.every((s) => s.kind === 'exact')) {
    if (sketches.length === 1) return (sketches[0] as { hashes: number[] }).hashes.length;
    const seen = new Set<number>();
    for (const s of sketches) for (const h of (s as { hashes: number[] }).hashes) seen.add(h);
    return seen.size;
  }
  scratch.fill(0);
  for (const s of sketches) {
    if (s.kind === 'exact') for (const h of s.hashes) addToRegisters(scratch, h);
    else for (let j = 0; j < M; j++) if (s.registers[j]! > scratch[j]!) scratch[j] = s.registers[j]!;
  }
  return estimate(scratch);
}

/** The HyperLogLog estimate with linear counting in the small range (no large-range correction: 53-bit hashes). */
function estimate(registers: Uint8Array): number {
  let sum = 0;
  let zeros = 0;
  for (let j = 0; j < M; j++) {
    const r = registers[j]!;
    sum += 2 ** -r;
    if (r === 0) zeros++;
  }
  const e = (ALPHA * M * M) / sum;
  return Math.round(e <= 2.5 * M && zeros > 0 ? M * Math.log(M / zeros) : e);
}

export const REGISTER_BYTES = M;
