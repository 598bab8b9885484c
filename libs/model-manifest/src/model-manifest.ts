import { z } from 'zod';
import { manifestErrors } from './errors.js';

// Binned distributions use right-closed bins over interior cut points, so values outside
// the reference range still land in the first or last bin (see referenceBinIndex).
function checkBins(value: { binEdges: number[]; shares: number[] }, ctx: z.RefinementCtx): void {
  const { binEdges, shares } = value;
  for (let i = 1; i < binEdges.length; i++) {
    if (!((binEdges[i] ?? NaN) > (binEdges[i - 1] ?? NaN))) {
      ctx.addIssue({ code: 'custom', path: ['binEdges', i], message: 'binEdges must be strictly ascending' });
    }
  }
  if (shares.length !== binEdges.length + 1) {
    ctx.addIssue({ code: 'custom', path: ['shares'], message: `shares must have binEdges.length + 1 = ${binEdges.length + 1} entries` });
  }
  const total = shares.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) > 1e-3) ctx.addIssue({ code: 'custom', path: ['shares'], message: `shares must sum to 1 (got ${total})` });
}

const featureSpecSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'feature names are snake_case'),
    dtype: z.literal('float32'),
    // Smallest value seen in training; lower values are extrapolation.
    min: z.number(),
    // Largest value seen in training.
    max: z.number(),
    // Value used when the feature is missing, null, not numeric, or not finite as float32 (inference).
    default: z.number(),
  })
  .refine((f) => f.min <= f.max, { message: 'min must not exceed max' });

// A seeded random sample of training values, sorted ascending, for tests that need raw values
// (Kolmogorov-Smirnov, Wasserstein). Bounded so a manifest stays a few hundred kilobytes at most.
const referenceSampleSchema = z
  .array(z.number())
  .min(1)
  .max(10_000)
  .refine((s) => s.every((v, i) => i === 0 || v >= (s[i - 1] as number)), { message: 'sample must be sorted ascending' });

const numericProfileSchema = z
  .object({
    kind: z.literal('numeric'),
    binEdges: z.array(z.number()),
    shares: z.array(z.number().min(0).max(1)),
    mean: z.number(),
    std: z.number().min(0),
    min: z.number(),
    max: z.number(),
    sample: referenceSampleSchema.optional(),
  })
  .superRefine(checkBins);

const scoreProfileSchema = z
  .object({
    binEdges: z.array(z.number()),
    shares: z.array(z.number().min(0).max(1)),
    mean: z.number(),
    std: z.number().min(0),
    sample: referenceSampleSchema.optional(),
  })
  .superRefine(checkBins);

// A string feature passed through with the vector (not a model input): the share of each category
// among training rows that had a value, and the share of rows that had none.
const categoricalProfileSchema = z
  .object({
    kind: z.literal('categorical'),
    frequencies: z.record(z.string(), z.number().min(0).max(1)),
    missingShare: z.number().min(0).max(1),
  })
  .superRefine((p, ctx) => {
    const shares = Object.values(p.frequencies);
    if (shares.length === 0) ctx.addIssue({ code: 'custom', path: ['frequencies'], message: 'at least one category is needed' });
    const total = shares.reduce((a, b) => a + b, 0);
    if (shares.length > 0 && Math.abs(total - 1) > 1e-3)
      ctx.addIssue({ code: 'custom', path: ['frequencies'], message: `frequencies must sum to 1 (got ${total})` });
  });

const isoInstant = z.iso.datetime();

/** Schema of a model directory's `manifest.json`. */
export const modelManifestSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
    version: z.string().min(1),
    format: z.literal('onnx'),
    // The ONNX file, relative to the manifest's directory.
    file: z.string().regex(/^[A-Za-z0-9._-]+\.onnx$/, 'file is a plain file name ending in .onnx'),
    // Hex sha256 of the ONNX file, so a manifest cannot silently describe another model.
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    inputs: z.object({
      tensor: z.string().min(1),
      // In column order of the input tensor.
      features: z.array(featureSpecSchema).min(1),
      // A value that is not finite as float32 (NaN, ±Infinity, beyond ±3.4e38): `default` (when absent)
      // scores the row with the feature's default, as for a missing value; `dead-letter` scores nothing
      // and dead-letters the record (inference's TW_MODEL_NON_FINITE_INPUT).
      nonFinite: z.enum(['default', 'dead-letter']).optional(),
    }),
    outputs: z.object({
      tensor: z.string().min(1),
      // Column of the output tensor that holds the positive-class probability.
      scoreIndex: z.number().int().min(0),
      // Scores at or above it count as positive (alerts, positive rate).
      threshold: z.number().min(0).max(1),
    }),
    training: z.object({
      seed: z.number().int(),
      rows: z.number().int().positive(),
      trainedAt: isoInstant,
      dataWindow: z.object({ from: isoInstant, to: isoInstant }),
      // Hold-out metrics; precision and recall are at outputs.threshold.
      metrics: z.object({
        auc: z.number().min(0).max(1),
        logLoss: z.number().min(0),
        precision: z.number().min(0).max(1).optional(),
        recall: z.number().min(0).max(1).optional(),
      }),
      // For a logistic regression: score = sigmoid(sum(weights[i] * (x[i] - mean[i]) / std[i]) + bias).
      coefficients: z
        .object({
          mean: z.array(z.number()),
          std: z.array(z.number().positive()),
          weights: z.array(z.number()),
          bias: z.number(),
        })
        .optional(),
    }),
    // What the training data looked like, for drift monitoring.
    referenceProfile: z.object({
      rows: z.number().int().positive(),
      features: z.record(z.string(), numericProfileSchema),
      score: scoreProfileSchema,
      // Share of reference rows scoring at or above outputs.threshold.
      positiveRate: z.number().min(0).max(1),
      // Pass-through string features (merchant_category, country, ...), keyed by name.
      categorical: z.record(z.string(), categoricalProfileSchema).optional(),
      // Seed of the row sample behind every `sample` field (one joint sample of training rows).
      sampleSeed: z.number().int().optional(),
    }),
  })
  .superRefine((m, ctx) => {
    const names = m.inputs.features.map((f) => f.name);
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i)
        ctx.addIssue({ code: 'custom', path: ['inputs', 'features', i, 'name'], message: `feature ${name} is listed twice` });
      if (!Object.hasOwn(m.referenceProfile.features, name)) {
        ctx.addIssue({ code: 'custom', path: ['referenceProfile', 'features'], message: `feature ${name} has no reference profile` });
      }
    });
    for (const name of Object.keys(m.referenceProfile.categorical ?? {})) {
      if (Object.hasOwn(m.referenceProfile.features, name))
        ctx.addIssue({
          code: 'custom',
          path: ['referenceProfile', 'categorical', name],
          message: `${name} is profiled as numeric and categorical`,
        });
    }
    const c = m.training.coefficients;
    if (c) {
      for (const key of ['mean', 'std', 'weights'] as const) {
        if (c[key].length !== names.length) {
          ctx.addIssue({
            code: 'custom',
            path: ['training', 'coefficients', key],
            message: `${key} must have one entry per feature (${names.length})`,
          });
        }
      }
    }
    if (Date.parse(m.training.dataWindow.from) >= Date.parse(m.training.dataWindow.to)) {
      ctx.addIssue({ code: 'custom', path: ['training', 'dataWindow'], message: 'dataWindow.from must be before dataWindow.to' });
    }
  });

/** A validated model manifest. */
export type ModelManifest = z.infer<typeof modelManifestSchema>;
/** One input feature of a model, in tensor column order. */
export type FeatureSpec = ModelManifest['inputs']['features'][number];
/** Reference profile of one numeric input feature. */
export type NumericProfile = ModelManifest['referenceProfile']['features'][string];
/** Reference profile of one categorical pass-through feature. */
export type CategoricalProfile = NonNullable<ModelManifest['referenceProfile']['categorical']>[string];

/**
 * Validates a parsed manifest. Throws TW_MODEL_MANIFEST_INVALID listing every problem;
 * `source` (usually the file path) goes into the message.
 */
export function parseModelManifest(value: unknown, source: string): ModelManifest {
  const result = modelManifestSchema.safeParse(value);
  if (!result.success) {
    throw manifestErrors.create('TW_MANIFEST_INVALID', `invalid model manifest ${source}:\n${z.prettifyError(result.error)}`, {
      details: { source },
    });
  }
  return result.data;
}

/**
 * Index of the reference bin that `value` falls in: bin i holds binEdges[i-1] < value <= binEdges[i],
 * the first bin everything up to binEdges[0], the last everything above the last edge.
 */
export function referenceBinIndex(binEdges: readonly number[], value: number): number {
  let lo = 0;
  let hi = binEdges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (value <= (binEdges[mid] ?? Infinity)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
