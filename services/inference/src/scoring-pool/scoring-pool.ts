import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { closeOnce } from '@tidewater/lifecycle';
import { inferenceErrors } from '../batching/errors.js';
import { modelErrors, type LoadedModel, type LoadOnnxModelOptions, type ModelErrorCode } from '../model/index.js';
import type { ForgetRequest, ScoreReply, ScoreRequest } from './messages.js';

export interface ScoringPool {
  readonly size: number;
  /** Scores `n` rows on the least busy worker thread; the batcher's `Scorer`. */
  score(model: LoadedModel, rows: Float32Array, n: number): Promise<Float32Array>;
  /** Closes the threads' sessions of a retired version (the repository's onModelClosed). */
  forget(model: LoadedModel): void;
  /** Waits for runs in flight, then stops the threads. Idempotent. */
  close(): Promise<void>;
}

interface Slot {
  worker: Worker;
  alive: boolean;
  busy: number;
  readonly pending: Map<number, { resolve: (s: Float32Array) => void; reject: (e: unknown) => void }>;
}

const workerUrl = new URL(import.meta.url.endsWith('.ts') ? './scoring-worker.ts' : './scoring-worker.js', import.meta.url);

function replyError(reply: Extract<ScoreReply, { ok: false }>): Error {
  // A model error keeps its code and flags (a non-retriable one dead-letters the batch's poison row).
  if (reply.code !== undefined && reply.code in modelErrors.catalogue)
    return modelErrors.create(reply.code as ModelErrorCode, reply.message);
  return inferenceErrors.create('TW_INFER_POOL_WORKER_FAILED', reply.message);
}

/**
 * ONNX sessions on worker threads: `session.run` blocks its thread for the native call, so
 * with a heavy model the event loop would stop consuming, producing and heartbeating. Each
 * thread opens the model directories it is asked for (once); rows go there and scores come
 * back as transferred buffers, not copies. A thread that dies fails its runs with a retriable
 * error and is replaced.
 */
export function createScoringPool(opts: {
  size: number;
  /** Where the model's files are, for the threads to open their own session. */
  modelDir: (model: LoadedModel) => string;
  ort?: LoadOnnxModelOptions;
  logger: Logger;
}): ScoringPool {
  if (!Number.isInteger(opts.size) || opts.size < 1) {
    throw inferenceErrors.create('TW_INFER_BAD_OPTIONS', `a scoring pool needs at least one thread, got ${opts.size}`);
  }
  let nextId = 0;
  let closing = false;
  const inFlight = new Set<Promise<unknown>>();

  function newWorker(): Worker {
    const workerData = opts.ort ?? {};
    if (!workerUrl.pathname.endsWith('.ts')) return new Worker(workerUrl, { workerData });
    // From TypeScript sources: a process started with `--import tsx` passes the loader on to its
    // threads, but one run by vitest has no loader a thread inherits, so the thread registers tsx's
    // loader itself before importing the TypeScript worker (which works in both).
    const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(workerUrl.href)}); })`;
    return new Worker(bootstrap, { eval: true, workerData });
  }

  // Wires a thread to its slot; if it dies, its runs fail (retriable) and a fresh thread takes the slot.
  function attach(slot: Slot, worker: Worker): void {
    slot.worker = worker;
    slot.alive = true;
    worker.on('message', (reply: ScoreReply) => {
      const p = slot.pending.get(reply.id);
      if (!p) return;
      slot.pending.delete(reply.id);
      slot.busy--;
      if (reply.ok) p.resolve(reply.scores);
      else p.reject(replyError(reply));
    });
    let failed = false;
    const fail = (cause: unknown) => {
      if (failed || closing) return;
      failed = true;
      for (const p of slot.pending.values())
        p.reject(inferenceErrors.create('TW_INFER_POOL_WORKER_FAILED', 'a scoring thread died', { cause }));
      slot.pending.clear();
      slot.busy = 0;
      opts.logger.error({ err: cause }, 'scoring thread died; replacing it in 1 s');
      void worker.terminate();
      slot.alive = false;
      // Not at once: a thread that cannot start would otherwise respawn in a tight loop.
      setTimeout(() => {
        if (!closing) attach(slot, newWorker());
      }, 1000).unref();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`scoring thread exited with code ${code}`)));
  }

  function spawn(): Slot {
    const worker = newWorker();
    const slot: Slot = { worker, alive: true, busy: 0, pending: new Map() };
    attach(slot, worker);
    return slot;
  }

  const slots: Slot[] = Array.from({ length: opts.size }, spawn);

  const close = closeOnce(async () => {
    closing = true;
    await Promise.allSettled([...inFlight]);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  });

  return {
    size: opts.size,
    score(model, rows, n) {
      if (closing) return Promise.reject(inferenceErrors.create('TW_INFER_BATCHER_CLOSED', 'the scoring pool is closed'));
      const width = model.featureNames.length;
      const live = slots.filter((s) => s.alive);
      if (live.length === 0) return Promise.reject(inferenceErrors.create('TW_INFER_POOL_WORKER_FAILED', 'no scoring thread is running'));
      const slot = live.reduce((a, b) => (b.busy < a.busy ? b : a));
      const id = nextId++;
      // A copy of exactly the rows to score, transferred: the caller's buffer stays usable.
      const request: ScoreRequest = {
        kind: 'score',
        id,
        dir: opts.modelDir(model),
        sha256: model.manifest.sha256,
        rows: rows.slice(0, n * width),
        n,
      };
      const result = new Promise<Float32Array>((resolve, reject) => slot.pending.set(id, { resolve, reject }));
      slot.busy++;
      slot.worker.postMessage(request, [request.rows.buffer as ArrayBuffer]);
      inFlight.add(result);
      void result.catch(() => undefined).finally(() => inFlight.delete(result));
      return result;
    },
    forget(model) {
      const request: ForgetRequest = { kind: 'forget', dir: opts.modelDir(model), sha256: model.manifest.sha256 };
      for (const slot of slots) if (slot.alive) slot.worker.postMessage(request);
    },
    close,
  };
}
