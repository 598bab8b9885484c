/** A logistic regression over standardized features: sigmoid(sum(w[i] * (x[i] - mean[i]) / std[i]) + bias). */
export interface LogisticModel {
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly weights: readonly number[];
  readonly bias: number;
}

export interface FitOptions {
  readonly iterations: number;
  readonly learningRate: number;
  /** L2 penalty on the weights (not the bias). */
  readonly l2: number;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

function columnStats(rows: readonly (readonly number[])[], width: number): { mean: number[]; std: number[] } {
  const mean = new Array<number>(width).fill(0);
  const std = new Array<number>(width).fill(0);
  for (const row of rows) for (let j = 0; j < width; j++) mean[j] = (mean[j] as number) + (row[j] as number) / rows.length;
  for (const row of rows)
    for (let j = 0; j < width; j++) std[j] = (std[j] as number) + ((row[j] as number) - (mean[j] as number)) ** 2 / rows.length;
  // A constant column would divide by zero; std 1 leaves it centred at 0 instead.
  return { mean, std: std.map((v) => (v > 0 ? Math.sqrt(v) : 1)) };
}

/** Fits by full-batch gradient descent from zero weights: deterministic for given data and options. */
export function fitLogisticRegression(rows: readonly (readonly number[])[], labels: readonly number[], opts: FitOptions): LogisticModel {
  const n = rows.length;
  const width = rows[0]?.length ?? 0;
  const { mean, std } = columnStats(rows, width);
  // One flat buffer of standardized values: the inner loops run n * width * iterations times.
  const z = new Float64Array(n * width);
  rows.forEach((row, i) => row.forEach((v, j) => (z[i * width + j] = (v - (mean[j] as number)) / (std[j] as number))));
  const y = Float64Array.from(labels);
  const weights = new Float64Array(width);
  const grad = new Float64Array(width);
  let bias = 0;
  for (let iter = 0; iter < opts.iterations; iter++) {
    grad.fill(0);
    let gradBias = 0;
    for (let i = 0, base = 0; i < n; i++, base += width) {
      let logit = bias;
      for (let j = 0; j < width; j++) logit += weights[j]! * z[base + j]!;
      const err = sigmoid(logit) - y[i]!;
      for (let j = 0; j < width; j++) grad[j]! += err * z[base + j]!;
      gradBias += err;
    }
    for (let j = 0; j < width; j++) weights[j] = weights[j]! - opts.learningRate * (grad[j]! / n + opts.l2 * weights[j]!);
    bias -= (opts.learningRate * gradBias) / n;
  }
  return { mean, std, weights: [...weights], bias };
}

/** The model's probability for one raw (unstandardized) row. */
export function predictProbability(model: LogisticModel, row: readonly number[]): number {
  let logit = model.bias;
  for (let j = 0; j < row.length; j++) {
    logit += (model.weights[j] as number) * (((row[j] as number) - (model.mean[j] as number)) / (model.std[j] as number));
  }
  return sigmoid(logit);
}
