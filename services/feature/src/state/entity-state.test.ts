import { createHash } from 'node:crypto';
import type { PaymentEvent } from '@tidewater/schemas';
import { describe, expect, it } from 'vitest';
import { defineFeatureSet } from '@tidewater/feature-set';
import { applyEvent, decodeState, emptyState, encodeState, layoutOf, type EntityState } from './entity-state.js';

/** Two windows, a numeric field and a distinct count: every part of the stored layout. */
const featureSet = defineFeatureSet({
  name: 'codec-test',
  version: 1,
  entity: 'card_id',
  allowed_lateness: '30m',
  windows: { '10m': { bucket: '1m' }, '24h': { bucket: '1h' } },
  features: [
    { name: 'sum_10m', kind: 'aggregate', fn: 'sum', of: 'amount', window: '10m' },
    { name: 'merchants_24h', kind: 'aggregate', fn: 'distinct_count', of: 'merchant_id', window: '24h' },
  ],
});
const layout = layoutOf(featureSet);
const t0 = Date.UTC(2025, 0, 1, 12);

const payment = (i: number, merchants: number): PaymentEvent => ({
  event_id: `e-${i}-ключ`,
  occurred_at: t0 + i * 7_000,
  ingested_at: t0 + i * 7_000,
  card_id: 'c',
  amount: (i * 37.5) % 1000,
  currency: 'EUR',
  merchant_id: `m-${i % merchants}`,
  merchant_category: '5411',
  country: 'DE',
  channel: 'pos',
});

/** A state after `n` events; over 256 merchants in one bucket turn its sketch into registers. */
function stateAfter(n: number, merchants: number): EntityState {
  const s = emptyState(featureSet);
  for (let i = 0; i < n; i++) applyEvent(featureSet, s, payment(i, merchants));
  return s;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('entity state codec', () => {
  // The digests were recorded from the Buffer#writeDoubleLE implementation this codec replaced: the
  // layout is the one earlier versions of the service stored (and the round trip below reads it).
  it('writes the stored layout byte for byte, exact sketches and registers alike', () => {
    const exact = encodeState(featureSet, layout, stateAfter(200, 7));
    const registers = encodeState(featureSet, layout, stateAfter(400, 400));
    expect([exact.length, sha256(exact)]).toEqual([6357, '275f7d7092e6bd351f4492648d47266864f30250131be98c587ecbf397b455d1']);
    expect([registers.length, sha256(registers)]).toEqual([25069, '8fc8809405b30cac4aa8f5014d17afa231b662e0254fa954e3f93d99112d6d6a']);
  });

  it('reads back what it wrote', () => {
    for (const [n, merchants] of [
      [0, 1],
      [1, 1],
      [200, 7],
      [400, 400],
    ] as const) {
      const bytes = encodeState(featureSet, layout, stateAfter(n, merchants));
      const read = decodeState(featureSet, layout, bytes);
      expect(read.unreadable).toBeUndefined();
      expect(encodeState(featureSet, layout, read).equals(bytes)).toBe(true);
    }
  });

  it('reads a state from a slice at an odd offset of a larger buffer (as ioredis returns them), and no byte past it', () => {
    const bytes = encodeState(featureSet, layout, stateAfter(60, 5));
    const padded = Buffer.concat([Buffer.alloc(3, 0xab), bytes, Buffer.alloc(5, 0xab)]);
    const read = decodeState(featureSet, layout, padded.subarray(3, 3 + bytes.length));
    expect(read.unreadable).toBeUndefined();
    expect(encodeState(featureSet, layout, read).equals(bytes)).toBe(true);
    expect(decodeState(featureSet, layout, padded.subarray(3, 2 + bytes.length)).unreadable).toBe(true);
  });

  it('keeps the ids and newest time of a state written under another window layout, not its buckets', () => {
    const state = stateAfter(60, 5);
    const read = decodeState(featureSet, layout + 1, encodeState(featureSet, layout, state));
    expect(read.unreadable).toBeUndefined();
    expect([read.version, read.maxT, [...read.ids.keys()]]).toEqual([60, state.maxT, [...state.ids.keys()]]);
    expect(read.windows).toEqual([[], []]);
  });

  it('refuses to write an exact sketch whose count does not fit its u16', () => {
    const state = stateAfter(1, 1);
    state.windows[1]![0]!.sketches[0] = { kind: 'exact', hashes: new Array<number>(0x10000).fill(1) };
    expect(() => encodeState(featureSet, layout, state)).toThrow(RangeError);
  });

  it('reads every truncation, and trailing bytes, as unreadable rather than failing', () => {
    const bytes = encodeState(featureSet, layout, stateAfter(60, 5));
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(decodeState(featureSet, layout, bytes.subarray(0, cut)).unreadable, `cut at ${cut}`).toBe(true);
    }
    expect(decodeState(featureSet, layout, Buffer.concat([bytes, Buffer.from([0])])).unreadable).toBe(true);
  });
});
