import { z } from 'zod';
import { modelErrors } from '../model/errors.js';
import type { LoadedModel } from '../model/index.js';
import { invalidScore, toScore } from '../model/score-check.js';

// Open Inference Protocol v2 (KServe "V2 inference protocol") REST bodies:
// https://kserve.github.io/website/docs/concepts/architecture/data-plane/v2-protocol

const parameters = z.record(z.string(), z.unknown()).optional();

const requestInput = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().min(0)),
  datatype: z.string().min(1),
  parameters,
  // Row-major, flat or nested as the shape (the spec allows both).
  data: z.array(z.unknown()),
});

/** An inference request. */
export const inferRequestSchema = z.object({
  id: z.string().optional(),
  parameters,
  inputs: z.array(requestInput).min(1),
  outputs: z.array(z.object({ name: z.string().min(1), parameters })).optional(),
});

export type InferRequest = z.infer<typeof inferRequestSchema>;
type RequestInput = z.infer<typeof requestInput>;

export interface ResponseTensor {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
  readonly data: readonly (number | boolean)[];
}

/** Name of the boolean output: score at or above the manifest threshold. */
export const LABEL_OUTPUT = 'label';

// Numeric datatypes a per-feature tensor may use; all are converted to the model's float32.
const NUMERIC = new Set(['FP16', 'FP32', 'FP64', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64']);

function badRequest(message: string): Error {
  return modelErrors.create('TW_MODEL_BAD_INFER_REQUEST', message);
}

function flatten(input: RequestInput): unknown[] {
  const out: unknown[] = [];
  // Nesting deeper than the shape is refused before it can exhaust the stack: the body is a
  // client's, and `[[[[...]]]]` a few hundred thousand levels deep fits in a 1 MB request.
  const walk = (v: unknown, depth: number): void => {
    if (!Array.isArray(v)) out.push(v);
    else if (depth >= input.shape.length) throw badRequest(`input ${input.name} has data nested deeper than its shape`);
    else for (const item of v) walk(item, depth + 1);
  };
  walk(input.data, 0);
  const expected = input.shape.reduce((a, b) => a * b, 1);
  if (out.length !== expected) {
    throw badRequest(`input ${input.name} has ${out.length} values, its shape [${input.shape.join(', ')}] needs ${expected}`);
  }
  return out;
}

function numbers(input: RequestInput, values: unknown[]): number[] {
  const { datatype } = input;
  const isBool = datatype === 'BOOL';
  if (!isBool && !NUMERIC.has(datatype)) throw badRequest(`input ${input.name} has datatype ${datatype}; use FP32`);
  // An INT/UINT tensor holding 1.5 or -1 is a client bug; converting it silently would score garbage.
  const integer = datatype.startsWith('INT') || datatype.startsWith('UINT');
  const unsigned = datatype.startsWith('UINT');
  return values.map((v) => {
    const ok = isBool ? typeof v === 'boolean' : typeof v === 'number' && (!integer || Number.isInteger(v)) && (!unsigned || v >= 0);
    if (!ok) throw badRequest(`input ${input.name} of datatype ${datatype} holds ${JSON.stringify(v)}`);
    // Every value reaches the model as float32: 1e39 overflows it, and JSON's 1e309 parses to Infinity.
    // Either scored a silent 0 (issue 20); a model input must be a finite float32.
    if (!isBool && !Number.isFinite(Math.fround(v as number)))
      throw badRequest(`input ${input.name} holds ${String(v)}, which is not a finite FP32 value (at most ±3.4028235e38)`);
    return Number(v);
  });
}

/**
 * Turns the request's inputs into rows for `model`. Two layouts are accepted: one FP32 tensor
 * named as the model's input tensor with shape [n, features], or one tensor per feature
 * (shape [n] or [n, 1], numeric or BOOL), every feature present. Throws TW_MODEL_BAD_INFER_REQUEST.
 */
export function decodeInferRequest(req: InferRequest, model: LoadedModel): { rows: Float32Array; n: number } {
  const width = model.featureNames.length;
  const tensorName = model.manifest.inputs.tensor;
  const outputNames = [model.manifest.outputs.tensor, LABEL_OUTPUT];
  for (const { name } of req.outputs ?? []) {
    if (!outputNames.includes(name)) throw badRequest(`unknown output ${name}; the model has ${outputNames.join(', ')}`);
  }
  const [first] = req.inputs;
  if (req.inputs.length === 1 && first?.name === tensorName) {
    if (first.datatype !== 'FP32') throw badRequest(`input ${tensorName} has datatype ${first.datatype}, the model takes FP32`);
    const [n = 0, w] = first.shape;
    if (first.shape.length !== 2 || w !== width) {
      throw badRequest(`input ${tensorName} has shape [${first.shape.join(', ')}], the model takes [n, ${width}]`);
    }
    return { rows: Float32Array.from(numbers(first, flatten(first))), n };
  }
  const byName = new Map<string, RequestInput>();
  for (const input of req.inputs) {
    if (byName.has(input.name)) throw badRequest(`input ${input.name} is given twice`);
    byName.set(input.name, input);
  }
  const unknown = [...byName.keys()].filter((name) => !model.featureNames.includes(name));
  const missing = model.featureNames.filter((name) => !byName.has(name));
  if (unknown.length > 0 || missing.length > 0) {
    throw badRequest(
      `inputs must be one FP32 tensor ${tensorName} of shape [n, ${width}] or one tensor per feature` +
        (unknown.length > 0 ? `; unknown inputs: ${unknown.join(', ')}` : '') +
        (missing.length > 0 ? `; missing features: ${missing.join(', ')}` : ''),
    );
  }
  let n: number | undefined;
  const columns = model.featureNames.map((name) => {
    const input = byName.get(name) as RequestInput;
    const [rows = 0, extra = 1] = input.shape;
    if (input.shape.length < 1 || input.shape.length > 2 || extra !== 1 || (n !== undefined && rows !== n)) {
      throw badRequest(`input ${name} has shape [${input.shape.join(', ')}]; every feature tensor must be [n] or [n, 1] with the same n`);
    }
    n = rows;
    return numbers(input, flatten(input));
  });
  const count = n ?? 0;
  const rows = new Float32Array(count * width);
  columns.forEach((column, j) => column.forEach((v, i) => (rows[i * width + j] = v)));
  return { rows, n: count };
}

/**
 * The requested outputs (all when the request names none; names checked by decodeInferRequest): the score tensor FP32 [n, 1]
 * and the label BOOL [n, 1]. Throws TW_MODEL_INVALID_SCORE when the model answered something that is not a score.
 */
export function encodeOutputs(req: InferRequest, model: LoadedModel, scores: Float32Array): ResponseTensor[] {
  const n = scores.length;
  const { tensor, threshold } = model.manifest.outputs;
  const bad = scores.find((s) => toScore(s) === undefined);
  if (bad !== undefined) throw invalidScore(bad, model.manifest);
  const published = Array.from(scores, (s) => toScore(s)!);
  const all: ResponseTensor[] = [
    { name: tensor, datatype: 'FP32', shape: [n, 1], data: published },
    { name: LABEL_OUTPUT, datatype: 'BOOL', shape: [n, 1], data: published.map((s) => s >= threshold) },
  ];
  if (!req.outputs) return all;
  // decodeInferRequest has checked the names.
  return req.outputs.flatMap(({ name }) => all.filter((t) => t.name === name));
}
