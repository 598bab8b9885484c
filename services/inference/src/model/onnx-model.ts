import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { closeOnce } from '@tidewater/lifecycle';
import { modelErrors } from './errors.js';
import { createRowWriter } from './feature-row.js';
import type { RowWriter } from './feature-row.js';
import { manifestErrors, readModelManifest, type ModelManifest } from '@tidewater/model-manifest';
import { assertSignature } from './model-signature.js';

/** Session tuning; both default to 1 because one small model per process gains nothing from more threads on a shared 2-core box. */
export interface LoadOnnxModelOptions {
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
  /**
   * Whether ORT's thread-pool threads spin while waiting for work (ORT's default: on). Spinning
   * lowers latency with several threads but burns CPU the consumer and producer need; unset
   * leaves ORT's default.
   */
  allowSpinning?: boolean;
}

/** A model ready to score: its manifest, its input layout and one ONNX Runtime session. */
export interface LoadedModel {
  readonly manifest: ModelManifest;
  /**
   * The directory it was loaded from, for a worker thread to open its own session. The repository
   * may replace a version's files in place: a thread must check `manifest.sha256` against the file.
   */
  readonly dir: string;
  /** Input columns in order; a row is `featureNames.length` floats. */
  readonly featureNames: readonly string[];
  /** Fills one row of a batch buffer from a feature map; missing, null or non-numeric values take the manifest default. */
  readonly toRow: RowWriter;
  /**
   * Scores the first `n` rows of `rows` in one session run; returns `n` scores.
   * ONNX Runtime reads `rows` in place: do not refill the buffer until the promise settles.
   */
  score(rows: Float32Array, n: number): Promise<Float32Array>;
  /** Waits for runs in flight, then releases the session. Idempotent: every caller gets the same promise. */
  close(): Promise<void>;
}

async function readManifest(dir: string): Promise<ModelManifest> {
  try {
    return readModelManifest(dir);
  } catch (err) {
    // A missing manifest is a model that cannot be loaded; an invalid one keeps its TW_MANIFEST_INVALID code.
    if (manifestErrors.is(err, 'TW_MANIFEST_UNREADABLE')) throw modelErrors.create('TW_MODEL_LOAD_FAILED', err.message, { cause: err });
    throw err;
  }
}

async function readModelBytes(dir: string, manifest: ModelManifest): Promise<Uint8Array> {
  const path = join(dir, manifest.file);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw modelErrors.create('TW_MODEL_LOAD_FAILED', `cannot read model file ${path}`, { cause, details: { path } });
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== manifest.sha256) {
    throw modelErrors.create('TW_MODEL_LOAD_FAILED', `model file ${path} has sha256 ${sha256}, its manifest says ${manifest.sha256}`, {
      details: { path, sha256, expected: manifest.sha256 },
    });
  }
  return bytes;
}

async function createSession(bytes: Uint8Array, source: string, opts: LoadOnnxModelOptions): Promise<InferenceSession> {
  try {
    return await InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      intraOpNumThreads: opts.intraOpNumThreads ?? 1,
      interOpNumThreads: opts.interOpNumThreads ?? 1,
      // Session config keys (onnxruntime_session_options_config_keys.h); the Node binding takes string values.
      ...(opts.allowSpinning === undefined
        ? {}
        : {
            extra: {
              session: {
                intra_op: { allow_spinning: opts.allowSpinning ? '1' : '0' },
                inter_op: { allow_spinning: opts.allowSpinning ? '1' : '0' },
              },
            },
          }),
    });
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw modelErrors.create('TW_MODEL_LOAD_FAILED', `ONNX Runtime cannot load ${source}: ${reason}`, { cause, details: { path: source } });
  }
}

// Picks column `scoreIndex` out of a [n, k] output; a [n, 1] output is returned as is.
function scoreColumn(output: unknown, n: number, scoreIndex: number, name: string): Float32Array {
  if (!(output instanceof Tensor) || output.type !== 'float32' || !(output.data instanceof Float32Array)) {
    throw modelErrors.create('TW_MODEL_SCORE_FAILED', `output ${name} is not a float32 tensor`);
  }
  const [rows, width = 1] = output.dims;
  if (rows !== n || output.dims.length > 2 || scoreIndex >= width) {
    throw modelErrors.create(
      'TW_MODEL_SCORE_FAILED',
      `output ${name} has dims [${output.dims.join(', ')}], expected [${n}, >${scoreIndex}]`,
    );
  }
  const data = output.data;
  if (width === 1) return data;
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) scores[i] = data[i * width + scoreIndex] as number;
  return scores;
}

/**
 * Loads the model in `dir`: validates `manifest.json`, checks the ONNX file against the manifest's
 * sha256, opens an ONNX Runtime CPU session and checks its signature against the manifest.
 * Throws TW_MANIFEST_INVALID, TW_MODEL_LOAD_FAILED or TW_MODEL_SIGNATURE_MISMATCH.
 */
export async function loadOnnxModel(dir: string, opts: LoadOnnxModelOptions = {}): Promise<LoadedModel> {
  const manifest = await readManifest(dir);
  const source = join(dir, manifest.file);
  const session = await createSession(await readModelBytes(dir, manifest), source, opts);
  try {
    assertSignature(session, manifest, source);
  } catch (err) {
    await session.release().catch(() => undefined);
    throw err;
  }

  const featureNames = Object.freeze(manifest.inputs.features.map((f) => f.name));
  const width = featureNames.length;
  const { tensor: inputName } = manifest.inputs;
  const { tensor: outputName, scoreIndex } = manifest.outputs;
  const inFlight = new Set<Promise<unknown>>();
  let closed = false;
  const release = closeOnce(async () => {
    // Releasing a session under a running batch would free memory the run still uses.
    await Promise.allSettled([...inFlight]);
    await session.release();
  });

  async function run(rows: Float32Array, n: number): Promise<Float32Array> {
    const input = new Tensor('float32', rows.subarray(0, n * width), [n, width]);
    let results: InferenceSession.ReturnType;
    try {
      results = await session.run({ [inputName]: input }, [outputName]);
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw modelErrors.create('TW_MODEL_SCORE_FAILED', `scoring ${n} rows with ${source} failed: ${reason}`, { cause });
    }
    return scoreColumn(results[outputName], n, scoreIndex, outputName);
  }

  return {
    manifest,
    dir,
    featureNames,
    toRow: createRowWriter(manifest.inputs.features, manifest.inputs.nonFinite),
    score(rows, n) {
      if (closed) return Promise.reject(modelErrors.create('TW_MODEL_CLOSED', `model ${manifest.name}/${manifest.version} is closed`));
      if (!Number.isInteger(n) || n < 0 || n * width > rows.length) {
        return Promise.reject(
          modelErrors.create('TW_MODEL_BAD_BATCH', `cannot score ${n} rows of ${width} features from a buffer of ${rows.length} floats`),
        );
      }
      if (n === 0) return Promise.resolve(new Float32Array(0));
      const pending = run(rows, n);
      inFlight.add(pending);
      void pending.catch(() => undefined).finally(() => inFlight.delete(pending));
      return pending;
    },
    close() {
      // Set before any await so a score() right after close() is refused, not raced.
      closed = true;
      return release();
    },
  };
}
