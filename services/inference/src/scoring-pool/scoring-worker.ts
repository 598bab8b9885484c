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
    const scores = await (await model).score(req.rows, req.n);
    // The session's output may be a view of a larger buffer; send exactly n floats.
    const own = scores.byteOffset === 0 && scores.length === scores.buffer.byteLength / 4 ? scores : scores.slice();
    return { id: req.id, ok: true, scores: own };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    return { id: req.id, ok: false, code: (e as { code?: string }).code, message: e.message };
  }
}
