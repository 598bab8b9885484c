import { FAULT_KINDS, type FaultKind } from './fault-plan.js';

export interface ChaosArgs {
  readonly rate: number;
  readonly seed: number;
  readonly kafkaBrokers: number;
  readonly inferenceWorkers: number;
  readonly inferenceKills: number;
  readonly warmupSeconds: number;
  readonly gapSeconds: number;
  readonly httpShare: number;
  readonly drainSeconds: number;
  /** The CI run: a worker kill, a broker restart and a Redis restart, about two minutes of load. */
  readonly short: boolean;
  /** Faults between one service and Kafka through Toxiproxy (needs the binary test/prepare.sh builds). */
  readonly proxy: boolean;
  /** `--faults a,b`: only these kinds of the schedule, for shorter runs that look at one fault. */
  readonly only?: readonly FaultKind[];
}

export const DEFAULT_CHAOS_ARGS: ChaosArgs = {
  rate: 300,
  seed: 23,
  kafkaBrokers: 1,
  inferenceWorkers: 3,
  inferenceKills: 10,
  warmupSeconds: 30,
  gapSeconds: 20,
  httpShare: 0.1,
  drainSeconds: 180,
  short: false,
  proxy: true,
};

/** `--short`: what the CI test runs, sized for a loaded 2-core machine. */
const SHORT: Partial<ChaosArgs> = { rate: 200, inferenceWorkers: 2, warmupSeconds: 20, gapSeconds: 25, drainSeconds: 120, proxy: false };

function number(name: string, text: string | undefined, min: number, max = Number.POSITIVE_INFINITY): number {
  const n = Number(text);
  if (!text || !Number.isFinite(n) || n < min || n > max)
    throw new RangeError(`${name} needs a number in [${min}, ${max}], got ${text ?? 'nothing'}`);
  return n;
}

/**
 * `npm run chaos -- [--short] [--rate 300] [--seed 23] [--kafka-brokers 1|3] [--inference-workers 3]
 * [--inference-kills 10] [--warmup-seconds 30] [--gap-seconds 20] [--http-share 0.1]
 * [--drain-seconds 180] [--no-proxy] [--faults inference-kill,broker-kill] [--record]`. Explicit flags win over `--short`; unknown flags are an error.
 */
export function parseChaosArgs(argv: readonly string[]): ChaosArgs {
  const args: { -readonly [K in keyof ChaosArgs]: ChaosArgs[K] } = {
    ...DEFAULT_CHAOS_ARGS,
    ...(argv.includes('--short') ? { ...SHORT, short: true } : {}),
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => argv[++i];
    switch (flag) {
      case '--short':
      case '--record':
        break;
      case '--rate':
        args.rate = number(flag, value(), 1);
        break;
      case '--seed':
        args.seed = Math.floor(number(flag, value(), 0));
        break;
      case '--kafka-brokers':
        args.kafkaBrokers = Math.floor(number(flag, value(), 1, 9));
        break;
      case '--inference-workers':
        args.inferenceWorkers = Math.floor(number(flag, value(), 1, 8));
        break;
      case '--inference-kills':
        args.inferenceKills = Math.floor(number(flag, value(), 0));
        break;
      case '--warmup-seconds':
        args.warmupSeconds = number(flag, value(), 5);
        break;
      case '--gap-seconds':
        args.gapSeconds = number(flag, value(), 1);
        break;
      case '--http-share':
        args.httpShare = number(flag, value(), 0, 1);
        break;
      case '--drain-seconds':
        args.drainSeconds = number(flag, value(), 1);
        break;
      case '--faults': {
        const kinds = (value() ?? '').split(',').filter(Boolean);
        const bad = kinds.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
        if (kinds.length === 0 || bad.length > 0)
          throw new RangeError(`--faults takes some of ${FAULT_KINDS.join(',')}, got ${bad.join(',') || 'nothing'}`);
        args.only = kinds as FaultKind[];
        break;
      }
      case '--no-proxy':
        args.proxy = false;
        break;
      default:
        throw new RangeError(`unknown flag ${flag}`);
    }
  }
  return args;
}
