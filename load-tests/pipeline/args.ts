import type { LoadOptions } from './run-load.js';

export interface LoadArgs extends LoadOptions {
  /** Inference workers when this run starts the stack itself. */
  readonly inferenceWorkers: number;
  readonly quick: boolean;
}

export const DEFAULT_ARGS: LoadArgs = {
  steps: [1000, 2000, 5000],
  stepSeconds: 20,
  ramp: true,
  rampMaxSteps: 4,
  httpShare: 0.1,
  drainSeconds: 30,
  sampleMs: 1000,
  warmupSeconds: 10,
  inferenceWorkers: 1,
  quick: false,
};

/** `--quick`: two small steps and no ramp, about half a minute on a running stack (tests, smoke runs). */
const QUICK: Partial<LoadArgs> = { steps: [200, 400], stepSeconds: 5, ramp: false, drainSeconds: 15, sampleMs: 500, warmupSeconds: 2 };

function positive(name: string, text: string | undefined): number {
  const n = Number(text);
  if (!text || !Number.isFinite(n) || n <= 0) throw new RangeError(`${name} needs a positive number, got ${text ?? 'nothing'}`);
  return n;
}

/**
 * `npm run load -- [--quick] [--steps 1000,2000,5000] [--step-seconds 20] [--ramp|--no-ramp]
 * [--ramp-max-steps 4] [--http-share 0.1] [--drain-seconds 30] [--warmup-seconds 10] [--inference-workers 1] [--record]`.
 * Explicit flags win over `--quick`; unknown flags are an error, so a typo does not run the defaults.
 */
export function parseLoadArgs(argv: readonly string[]): LoadArgs {
  const args: { -readonly [K in keyof LoadArgs]: LoadArgs[K] } = {
    ...DEFAULT_ARGS,
    ...(argv.includes('--quick') ? { ...QUICK, quick: true } : {}),
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => argv[++i];
    switch (flag) {
      case '--quick':
      case '--record':
        break;
      case '--steps':
        args.steps = (value() ?? '').split(',').map((s) => positive('--steps', s.trim()));
        break;
      case '--step-seconds':
        args.stepSeconds = positive(flag, value());
        break;
      case '--ramp':
        args.ramp = true;
        break;
      case '--no-ramp':
        args.ramp = false;
        break;
      case '--ramp-max-steps':
        args.rampMaxSteps = Math.floor(positive(flag, value()));
        break;
      case '--http-share': {
        const share = Number(value());
        if (!(share >= 0 && share <= 1)) throw new RangeError('--http-share needs a share within [0, 1]');
        args.httpShare = share;
        break;
      }
      case '--drain-seconds':
        args.drainSeconds = positive(flag, value());
        break;
      case '--warmup-seconds': {
        const seconds = Number(value());
        if (!(seconds >= 0)) throw new RangeError('--warmup-seconds needs a number of seconds, 0 for none');
        args.warmupSeconds = seconds;
        break;
      }
      case '--inference-workers':
        args.inferenceWorkers = Math.floor(positive(flag, value()));
        break;
      default:
        throw new RangeError(`unknown flag ${flag}`);
    }
  }
  return args;
}
