/**
 * Each package keeps one catalogue of its error codes. A code is stable and never reused,
 * carries a prefix naming the package (TW_KAFKA_, TW_INGEST_, ...), says whether retrying
 * can help, and has a one-line description that the docs and a test check.
 * Callers branch on `code` and `retriable`, never on message text.
 */
export interface ErrorSpec {
  /** Whether the same operation may succeed if tried again (network blips, broker failover). */
  readonly retriable: boolean;
  /** One sentence for the docs: what happened and what to do. */
  readonly description: string;
}

export type ErrorCatalogue<C extends string> = Readonly<Record<C, ErrorSpec>>;

/** The one error class of Tidewater: a message for people, a code and flags for code. */
export class TidewaterError<C extends string = string> extends Error {
  override readonly name = 'TidewaterError';
  readonly code: C;
  readonly retriable: boolean;
  /** Extra structured context for logs and DLQ headers (never secrets). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: C, spec: ErrorSpec, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = spec.retriable;
    this.details = options?.details;
  }
}

/**
 * Declares a package's catalogue and returns a typed factory for its errors.
 * `prefix` is checked against every code so a catalogue cannot borrow another package's codes.
 */
export function defineErrors<C extends string>(prefix: string, catalogue: ErrorCatalogue<C>) {
  for (const code of Object.keys(catalogue)) {
    if (!code.startsWith(prefix)) throw new Error(`error code ${code} does not start with ${prefix}`);
  }
  const frozen = Object.freeze({ ...catalogue });
  return {
    prefix,
    catalogue: frozen,
    /** Creates an error of the given code. */
    create(code: C, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }): TidewaterError<C> {
      return new TidewaterError(code, frozen[code], message, options);
    },
    /** True when `err` is one of this catalogue's errors (optionally of one code). */
    is(err: unknown, code?: C): err is TidewaterError<C> {
      return err instanceof TidewaterError && err.code in frozen && (code === undefined || err.code === code);
    },
  };
}

/** Reads a code off anything thrown: a TidewaterError's code, else the fallback. */
export function errorCode(err: unknown, fallback: string): string {
  return err instanceof TidewaterError ? err.code : fallback;
}

/** True when retrying may help: a retriable TidewaterError, or an error marked retriable by its library (kafkajs). */
export function isRetriable(err: unknown): boolean {
  if (err instanceof TidewaterError) return err.retriable;
  return typeof err === 'object' && err !== null && (err as { retriable?: unknown }).retriable === true;
}
