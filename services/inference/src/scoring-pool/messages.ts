/** Sent to a scoring worker: score `n` rows of `rows` with the model in `dir` whose file has `sha256`. */
export interface ScoreRequest {
  readonly kind: 'score';
  readonly id: number;
  readonly dir: string;
  /** A version reloaded in place keeps its directory: the checksum tells the sessions apart. */
  readonly sha256: string;
  readonly rows: Float32Array;
  readonly n: number;
}

/** A worker's answer; `rows` and `scores` travel as transferred buffers, not copies. */
export type ScoreReply =
  | { readonly id: number; readonly ok: true; readonly scores: Float32Array }
  | { readonly id: number; readonly ok: false; readonly code: string | undefined; readonly message: string };

/** Sent to every scoring worker when a version was retired: close its session. */
export interface ForgetRequest {
  readonly kind: 'forget';
  readonly dir: string;
  readonly sha256: string;
}
