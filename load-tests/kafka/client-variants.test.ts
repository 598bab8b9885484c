import { describe, expect, it } from 'vitest';
import {
  BASELINE,
  VARIANTS,
  headlines,
  interleave,
  lastJsonObject,
  mapKafkajsSpecifier,
  median,
  percentile,
  ratio,
  spread,
  summarize,
  variantEnv,
  witnessMatches,
  witnessOf,
} from './client-variants.js';
import { stampOf, stampedValue } from './fixed-rate.js';

const variant = (key: string) => VARIANTS.find((v) => v.key === key)!;

describe('kafkajs build resolution', () => {
  it('maps kafkajs and its subpaths to the upstream copy for the pristine build only', () => {
    expect(mapKafkajsSpecifier('kafkajs', 'pristine')).toBe('kafkajs-upstream');
    expect(mapKafkajsSpecifier('kafkajs/package.json', 'pristine')).toBe('kafkajs-upstream/package.json');
    expect(mapKafkajsSpecifier('kafkajs', 'patched')).toBe('kafkajs');
    expect(mapKafkajsSpecifier('kafkajs-upstream', 'pristine')).toBe('kafkajs-upstream');
    expect(mapKafkajsSpecifier('kafkajsx', 'pristine')).toBe('kafkajsx');
    expect(mapKafkajsSpecifier('./kafkajs/admin.js', 'pristine')).toBe('./kafkajs/admin.js');
  });

  it('gives each variant its client and kafkajs build in the environment', () => {
    expect(variantEnv(variant('kafkajs_pristine'))).toEqual({ KAFKA_CLIENT: 'kafkajs', BENCH_KAFKAJS: 'pristine' });
    expect(variantEnv(variant('platformatic'))).toMatchObject({ KAFKA_CLIENT: 'platformatic' });
    expect(BASELINE).toBe('kafkajs_patched');
  });
});

describe('module witness', () => {
  const patched = 'file:///r/node_modules/kafkajs/src/index.js';
  const pristine = 'file:///r/node_modules/kafkajs-upstream/src/index.js';
  const platformatic = 'file:///r/node_modules/@platformatic/kafka/dist/index.js';

  it('tells the builds and libraries apart by the files loaded', () => {
    expect(witnessOf([patched])).toEqual({ kafkajsPatched: true, kafkajsPristine: false, platformatic: false });
    expect(witnessOf([pristine, platformatic])).toEqual({ kafkajsPatched: false, kafkajsPristine: true, platformatic: true });
  });

  it('accepts a process only when it ran its variant', () => {
    expect(witnessMatches(variant('kafkajs_pristine'), witnessOf([pristine]))).toBe(true);
    expect(witnessMatches(variant('kafkajs_pristine'), witnessOf([pristine, patched]))).toBe(false);
    expect(witnessMatches(variant('kafkajs_patched'), witnessOf([patched]))).toBe(true);
    expect(witnessMatches(variant('kafkajs_patched'), witnessOf([pristine]))).toBe(false);
    // The seam may still load kafkajs beside the platformatic client; platformatic must be loaded.
    expect(witnessMatches(variant('platformatic'), witnessOf([patched, platformatic]))).toBe(true);
    expect(witnessMatches(variant('platformatic'), witnessOf([patched]))).toBe(false);
  });
});

describe('child output', () => {
  it('takes the last JSON object line, past log lines', () => {
    expect(lastJsonObject('starting\n{"a":1}\n{broken\n{"b":2}\nbye\n')).toEqual({ b: 2 });
  });

  it('refuses output without one', () => {
    expect(() => lastJsonObject('[1,2]\nno json here')).toThrow(/no JSON object line/);
  });
});

describe('stats', () => {
  it('median and nearest-rank percentile over finite values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([NaN, 5])).toBe(5);
    expect(median([])).toBeNaN();
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 99)).toBeNaN();
  });

  it('spread is the range over the median', () => {
    expect(spread([90, 100, 110])).toBeCloseTo(0.2);
    expect(spread([100])).toBeNaN();
  });

  it('ratio rounds to 2 decimals and is null when a side is missing', () => {
    expect(ratio(1, 3)).toBe(0.33);
    expect(ratio(NaN, 3)).toBeNull();
    expect(ratio(1, 0)).toBeNull();
  });

  it('rotates the order of variants by round, each variant once per round', () => {
    const order = interleave(['a', 'b', 'c'], 3).map((x) => `${x.round}${x.variant}`);
    expect(order).toEqual(['0a', '0b', '0c', '1b', '1c', '1a', '2c', '2a', '2b']);
  });

  it('summarises rounds per variant with ratios to patched kafkajs, null where a variant did not run', () => {
    const s = summarize({ kafkajs_patched: [100, 120, 110], kafkajs_pristine: [50, 60, 55], platformatic: [NaN, NaN, NaN] });
    expect(s['kafkajs_patched']).toEqual({ median: 110, rounds: [100, 120, 110], spread: 0.18, ratio_to_patched: 1 });
    expect(s['kafkajs_pristine']!.ratio_to_patched).toBe(0.5);
    expect(s['platformatic']).toEqual({ median: null, rounds: [null, null, null], spread: null, ratio_to_patched: null });
  });
});

describe('headlines', () => {
  it('flattens medians per client, with ratios beside all but the baseline, null where missing', () => {
    const table = { inference_msgs_per_s: summarize({ kafkajs_patched: [100], platformatic: [80], kafkajs_pristine: [NaN] }) };
    const variants = [{ key: 'kafkajs_patched' }, { key: 'platformatic' }, { key: 'kafkajs_pristine' }] as const;
    expect(headlines(table, variants, ['inference_msgs_per_s', 'feature_events_per_s'])).toEqual({
      inference_msgs_per_s_kafkajs_patched: 100,
      inference_msgs_per_s_platformatic: 80,
      inference_msgs_per_s_ratio_platformatic: 0.8,
      inference_msgs_per_s_kafkajs_pristine: null,
      inference_msgs_per_s_ratio_kafkajs_pristine: null,
      feature_events_per_s_kafkajs_patched: null,
      feature_events_per_s_platformatic: null,
      feature_events_per_s_ratio_platformatic: null,
      feature_events_per_s_kafkajs_pristine: null,
      feature_events_per_s_ratio_kafkajs_pristine: null,
    });
  });
});

describe('stamped values', () => {
  it('carry their send time in a value of the record size', () => {
    const v = stampedValue(120, 1234.5);
    expect(v.length).toBe(120);
    expect(stampOf(v)).toBe(1234.5);
    expect(stampedValue(3, 1).length).toBe(8);
  });
});
