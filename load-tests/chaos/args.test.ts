import { describe, expect, it } from 'vitest';
import { DEFAULT_CHAOS_ARGS, parseChaosArgs } from './args.js';

describe('npm run chaos arguments', () => {
  it('defaults to the full schedule at 300 events/s on one broker', () => {
    expect(parseChaosArgs([])).toEqual(DEFAULT_CHAOS_ARGS);
    expect(parseChaosArgs(['--record'])).toEqual(DEFAULT_CHAOS_ARGS);
  });

  it('--short is the CI run; explicit flags win over it', () => {
    expect(parseChaosArgs(['--short'])).toMatchObject({ short: true, rate: 200, inferenceWorkers: 2, proxy: false });
    expect(parseChaosArgs(['--rate', '250', '--short'])).toMatchObject({ short: true, rate: 250 });
  });

  it('takes --kafka-brokers 3 and --seed, and refuses unknown flags and bad numbers', () => {
    expect(parseChaosArgs(['--kafka-brokers', '3', '--seed', '99'])).toMatchObject({ kafkaBrokers: 3, seed: 99 });
    expect(() => parseChaosArgs(['--rates', '3'])).toThrow(/unknown flag --rates/);
    expect(() => parseChaosArgs(['--rate', '0'])).toThrow(RangeError);
    expect(() => parseChaosArgs(['--http-share', '2'])).toThrow(RangeError);
  });

  it('--faults names kinds of the schedule', () => {
    expect(parseChaosArgs(['--faults', 'inference-kill,broker-kill']).only).toEqual(['inference-kill', 'broker-kill']);
    expect(() => parseChaosArgs(['--faults', 'inference-kil'])).toThrow(/--faults takes/);
  });
});
