/**
 * Trains the demo fraud model on synthetic card payments and writes models/fraud-demo/1/
 * (model.onnx + manifest.json). Everything is derived from a fixed seed, so a re-run writes
 * byte-identical files; the model test checks that.
 *
 *   npx tsx services/inference/scripts/train-demo-model.ts [output-dir]
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseModelManifest } from '@tidewater/model-manifest';
import type { ModelManifest } from '@tidewater/model-manifest';
import { DEMO_FEATURE_NAMES, computeFeatures } from './demo-model/features.js';
import { fitLogisticRegression, predictProbability } from './demo-model/logistic-regression.js';
import type { LogisticModel } from './demo-model/logistic-regression.js';
import { bestF1Threshold, logLoss, rocAuc } from './demo-model/metrics.js';
import { exportLogisticOnnx } from './demo-model/onnx-export.js';
import { createRandom } from '@tidewater/payment-simulator';
import { binnedProfile, lowerQuantile, roundSig } from './demo-model/reference-profile.js';
import { generatePayments } from '@tidewater/payment-simulator';
import type { SyntheticPayment } from '@tidewater/payment-simulator';

/** Where the committed demo model lives: models/fraud-demo/1 at the repository root. */
export const DEMO_MODEL_DIR = fileURLToPath(new URL('../../../models/fraud-demo/1/', import.meta.url));

const SEED = 20250101;
const CARDS = 2000;
const DATA_FROM = '2025-01-01T00:00:00.000Z';
const DATA_TO = '2025-01-29T00:00:00.000Z';
// The last six days are held out: a time split, as a model is judged on data after its training.
const HOLDOUT_FROM = '2025-01-23T00:00:00.000Z';
// Fixed so the manifest does not change with the day it is regenerated.
const TRAINED_AT = '2025-02-01T00:00:00.000Z';
const FIT = { iterations: 1000, learningRate: 1.5, l2: 1e-4 };
const MODEL_FILE = 'model.onnx';
// The reference samples (for KS and Wasserstein in drift-monitor) are one seeded sample of training rows.
const SAMPLE_SEED = 20250102;
const SAMPLE_ROWS = 1000;
// The raw events' string fields, derived per card exactly as the demo stream derives them
// (libs/dev-stack demo-events.ts), so live demo traffic matches the categorical reference profile.
const MERCHANT_CATEGORIES = ['5411', '5812', '5999', '4121', '5732'];
const COUNTRIES = ['DE', 'FR', 'NL', 'ES', 'IT'];

/** The two files of the demo model, plus what the training run reports. */
export interface DemoModelArtifacts {
  readonly modelBytes: Uint8Array;
  readonly manifestText: string;
  readonly manifest: ModelManifest;
  readonly holdout: { readonly rows: number; readonly positives: number };
}

/** The pass-through string fields of a training payment's raw event. */
function categoricalFields(p: SyntheticPayment): Record<string, string> {
  return {
    merchant_category: MERCHANT_CATEGORIES[p.cardId % MERCHANT_CATEGORIES.length] as string,
    country: COUNTRIES[p.cardId % COUNTRIES.length] as string,
    channel: p.isEcom ? 'ecom' : 'pos',
  };
}

/** Each category's share of `values`, keys sorted so the manifest is stable. */
function categoricalProfile(values: readonly string[]) {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const keys = [...counts.keys()].sort();
  return {
    kind: 'categorical' as const,
    frequencies: Object.fromEntries(keys.map((k) => [k, roundSig((counts.get(k) as number) / values.length)])),
    missingShare: 0,
  };
}

/** `size` distinct row indices out of `rows`, by a seeded partial Fisher-Yates shuffle. */
function sampleRows(rows: number, size: number, seed: number): number[] {
  const rng = createRandom(seed);
  const idx = Array.from({ length: rows }, (_, i) => i);
  for (let i = 0; i < Math.min(size, rows); i++) {
    const j = rng.int(i, rows);
    [idx[i], idx[j]] = [idx[j] as number, idx[i] as number];
  }
  return idx.slice(0, Math.min(size, rows));
}

const sortedSample = (values: readonly number[], rows: readonly number[]): number[] =>
  rows.map((i) => roundSig(values[i] as number, 7)).sort((a, b) => a - b);

// One number array per line keeps the samples readable in a diff instead of 9,000 lines long.
function formatManifest(m: ModelManifest): string {
  return `${JSON.stringify(m, null, 2).replace(/\[\n\s+(-?[\d.e+-]+(?:,\n\s+-?[\d.e+-]+)*)\n\s+\]/g, (_, items: string) => `[${items.split(/,\n\s+/).join(', ')}]`)}\n`;
}

function column(rows: readonly (readonly number[])[], j: number): number[] {
  return rows.map((r) => r[j] as number);
}

// Seven significant digits: below float32 resolution, so the ONNX graph and the manifest's copy agree.
function roundModel(m: LogisticModel): LogisticModel {
  const r = (x: number): number => roundSig(x, 7);
  return { mean: m.mean.map(r), std: m.std.map(r), weights: m.weights.map(r), bias: r(m.bias) };
}

/** Generates the data, trains and evaluates the model, and returns the files without writing them. */
export function trainDemoModel(): DemoModelArtifacts {
  const rng = createRandom(SEED);
  const payments = generatePayments(rng, { cards: CARDS, fromMs: Date.parse(DATA_FROM), toMs: Date.parse(DATA_TO) });
  const rows = computeFeatures(payments);
  const splitMs = Date.parse(HOLDOUT_FROM);
  const train = { rows: [] as number[][], labels: [] as number[], payments: [] as SyntheticPayment[] };
  const holdout = { rows: [] as number[][], labels: [] as number[] };
  payments.forEach((p, i) => {
    const set = p.time < splitMs ? train : holdout;
    set.rows.push(rows[i] as number[]);
    set.labels.push(p.fraud ? 1 : 0);
    if (set === train) train.payments.push(p);
  });
  const sampled = sampleRows(train.rows.length, SAMPLE_ROWS, SAMPLE_SEED);
  const trainCategorical = train.payments.map(categoricalFields);

  const model = roundModel(fitLogisticRegression(train.rows, train.labels, FIT));
  const holdoutScores = holdout.rows.map((r) => predictProbability(model, r));
  const trainScores = train.rows.map((r) => predictProbability(model, r));
  const { threshold, precision, recall } = bestF1Threshold(holdoutScores, holdout.labels);
  const modelBytes = exportLogisticOnnx(model, {
    graphName: 'fraud_demo',
    inputName: 'features',
    outputName: 'score',
    docString: 'Demo card-fraud logistic regression trained on synthetic payments; see manifest.json.',
  });

  const manifest: ModelManifest = {
    name: 'fraud-demo',
    version: '1',
    format: 'onnx',
    file: MODEL_FILE,
    sha256: createHash('sha256').update(modelBytes).digest('hex'),
    inputs: {
      tensor: 'features',
      features: DEMO_FEATURE_NAMES.map((name, j) => {
        const sorted = column(train.rows, j).sort((a, b) => a - b);
        return {
          name,
          dtype: 'float32' as const,
          min: roundSig(sorted[0] as number),
          max: roundSig(sorted[sorted.length - 1] as number),
          default: roundSig(lowerQuantile(sorted, 0.5)),
        };
      }),
    },
    outputs: { tensor: 'score', scoreIndex: 0, threshold },
    training: {
      seed: SEED,
      rows: train.rows.length,
      trainedAt: TRAINED_AT,
      dataWindow: { from: DATA_FROM, to: DATA_TO },
      metrics: {
        auc: roundSig(rocAuc(holdoutScores, holdout.labels), 4),
        logLoss: roundSig(logLoss(holdoutScores, holdout.labels), 4),
        precision: roundSig(precision, 4),
        recall: roundSig(recall, 4),
      },
      coefficients: { mean: [...model.mean], std: [...model.std], weights: [...model.weights], bias: model.bias },
    },
    referenceProfile: {
      rows: train.rows.length,
      features: Object.fromEntries(
        DEMO_FEATURE_NAMES.map((name, j) => {
          const values = column(train.rows, j);
          return [name, { kind: 'numeric' as const, ...binnedProfile(values), sample: sortedSample(values, sampled) }];
        }),
      ),
      score: { ...(({ min: _min, max: _max, ...rest }) => rest)(binnedProfile(trainScores)), sample: sortedSample(trainScores, sampled) },
      positiveRate: roundSig(trainScores.filter((s) => s >= threshold).length / trainScores.length),
      categorical: Object.fromEntries(
        ['merchant_category', 'country', 'channel'].map((name) => [
          name,
          categoricalProfile(trainCategorical.map((c) => c[name] as string)),
        ]),
      ),
      sampleSeed: SAMPLE_SEED,
    },
  };
  // Refuse to write a manifest the loader would reject.
  parseModelManifest(manifest, 'trainDemoModel()');
  return {
    modelBytes,
    manifestText: formatManifest(manifest),
    manifest,
    holdout: { rows: holdout.rows.length, positives: holdout.labels.filter((l) => l === 1).length },
  };
}

/** Trains the demo model and writes model.onnx and manifest.json into `dir`. */
export async function writeDemoModel(dir: string = DEMO_MODEL_DIR): Promise<DemoModelArtifacts> {
  const artifacts = trainDemoModel();
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, MODEL_FILE), artifacts.modelBytes);
  await writeFile(join(dir, 'manifest.json'), artifacts.manifestText);
  return artifacts;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  const dir = process.argv[2] === undefined ? DEMO_MODEL_DIR : resolve(process.argv[2]);
  const { manifest, holdout, modelBytes } = await writeDemoModel(dir);
  const m = manifest.training.metrics;
  console.log(`trained on ${manifest.training.rows} payments; hold-out ${holdout.rows} payments, ${holdout.positives} fraud`);
  console.log(`hold-out AUC ${m.auc}, log loss ${m.logLoss}`);
  console.log(`threshold ${manifest.outputs.threshold}: precision ${m.precision}, recall ${m.recall}`);
  console.log(`wrote ${join(dir, MODEL_FILE)} (${modelBytes.length} bytes) and manifest.json`);
}
