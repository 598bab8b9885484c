import { describe, expect, it } from 'vitest';
import { DEFAULT_ARGS, parseLoadArgs } from './args.js';

describe('parseLoadArgs', () => {
  it('defaults to steps of 1,000, 2,000 and 5,000 events/s for 20 s, then the ramp, a tenth over HTTP', () => {
    expect(parseLoadArgs([])).toEqual(DEFAULT_ARGS);
    expect(DEFAULT_ARGS).toMatchObject({ steps: [1000, 2000, 5000], stepSeconds: 20, ramp: true, httpShare: 0.1 });
  });

  it('reads every flag', () => {
    expect(
      parseLoadArgs([
        '--steps',
        '500,1000',
        '--step-seconds',
        '10',
        '--no-ramp',
        '--http-share',
        '0',
        '--drain-seconds',
        '5',
        '--inference-workers',
        '3',
        '--warmup-seconds',
        '0',
        '--record',
      ]),
    ).toMatchObject({
      steps: [500, 1000],
      stepSeconds: 10,
      ramp: false,
      httpShare: 0,
      drainSeconds: 5,
      inferenceWorkers: 3,
      warmupSeconds: 0,
    });
  });

  it('makes --quick short, with explicit flags winning', () => {
    expect(parseLoadArgs(['--quick'])).toMatchObject({ quick: true, ramp: false, stepSeconds: 5 });
    expect(parseLoadArgs(['--quick', '--step-seconds', '8', '--ramp'])).toMatchObject({ quick: true, ramp: true, stepSeconds: 8 });
  });

  it('refuses unknown flags and bad values instead of running the defaults', () => {
    expect(() => parseLoadArgs(['--step', '10'])).toThrow(/unknown flag --step/);
    expect(() => parseLoadArgs(['--steps', '1000,x'])).toThrow(RangeError);
    expect(() => parseLoadArgs(['--http-share', '2'])).toThrow(RangeError);
    expect(() => parseLoadArgs(['--step-seconds'])).toThrow(RangeError);
  });
});
