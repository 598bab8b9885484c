import { parentPort } from 'node:worker_threads';
import { workerData } from 'node:worker_threads';
import { loadOnnxModel, type LoadedModel, type LoadOnnxModelOptions } from '../model/index.js';
import type { ForgetRequest, ScoreReply, ScoreRequest } from './messages.js';

// One thread of the scoring pool: loads each model directory once and scores the rows it is sent.
const ort = workerData as LoadOnnxModelOptions;
const models = new Map<string, Promise<LoadedModel>>();
const port = parentPort!;

port.on('message', (req: ScoreRequest | ForgetRequest) => {
  if (req.kind === 'forget') {
    const key = `${req.dir}#${req.sha256}`;
    const model = models.get(key);
    models.delete(key);
    void model?.then((m) => m.close()).catch(() => undefined);
    return;
  }
  void handle(req).then((reply) => port.postMessage(reply, reply.ok ? [reply.scores.buffer as ArrayBuffer] : []));
});

async function handle(req: ScoreRequest): Promise<ScoreReply> {
  try {
    const key = `${req.dir}#${req.sha256}`;
    let model = models.get(key);
    if (!model) {
      model = loadOnnxModel(req.dir, ort);
      models.set(key, model);
      // A failed load is not cached: the next request tries again.
      void model.catch(() => models.delete(key));
    }
    const loaded = await model;
    if (loaded.manifest.sha256 !== req.sha256) {
      // The version's files were replaced in place after the main thread loaded them: scoring with
      // these would label predictions with a version they do not come from. Retriable: the
      // repository is about to load the new files, and the batch is retried on them.
      if (models.get(key) === model) models.delete(key);
      void loaded.close().catch(() => undefined);
      return {
        id: req.id,
        ok: false,
        code: 'TW_MODEL_NOT_LOADED',
        message: `files in ${req.dir} changed (sha256 ${loaded.manifest.sha256}, expected ${req.sha256})`,
      };
    }
    const scores = await loaded.score(req.rows, req.n);
    // The session's output may be a view of a larger buffer; send exactly n floats.
    const own = scores.byteOffset === 0 && scores.length === scores.buffer.byteLength / 4 ? scores : scores.slice();
    return { id: req.id, ok: true, scores: own };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    return { id: req.id, ok: false, code: (e as { code?: string }).code, message: e.message };
  }
}
