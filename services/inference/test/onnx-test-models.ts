import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import type { ModelManifest } from '@tidewater/model-manifest';

// Small ONNX graphs with a chosen signature, so tests can build models that are wrong in exactly
// one way next to ones that load.

const { onnx } = onnxProto;
const { FLOAT, DOUBLE } = onnx.TensorProto.DataType;

/** The committed demo model's directory; its manifest is the template of every test model. */
export const COMMITTED_MODEL_DIR = fileURLToPath(new URL('../../../models/fraud-demo/1/', import.meta.url));

export interface TestOnnxOptions {
  readonly inputName?: string;
  readonly outputName?: string;
  /** Feature count; the manifest template has 8. */
  readonly width?: number;
  readonly inputType?: 'float32' | 'float64';
  readonly outputType?: 'float32' | 'float64';
  /** Declared input dims; default ['batch', width]. */
  readonly inputDims?: readonly (number | string)[];
  /** Declared output dims; default ['batch', 1]. */
  readonly outputDims?: readonly (number | string)[];
  /** score = sigmoid(x . weights + bias); weights default to zeros, so the score is sigmoid(bias). */
  readonly weights?: readonly number[];
  readonly bias?: number;
}

function valueInfo(name: string, elemType: number, dims: readonly (number | string)[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  });
}

/** Encodes `sigmoid(x . weights + bias)` as an ONNX model (opset 13) with the requested signature. */
export function buildTestOnnx(opts: TestOnnxOptions = {}): Uint8Array {
  const width = opts.width ?? 8;
  const inputName = opts.inputName ?? 'features';
  const outputName = opts.outputName ?? 'score';
  const inputType = opts.inputType === 'float64' ? DOUBLE : FLOAT;
  const outputType = opts.outputType === 'float64' ? DOUBLE : FLOAT;
  const weights = opts.weights ?? new Array<number>(width).fill(0);
  const node = [];
  let x = inputName;
  if (inputType !== FLOAT) {
    node.push(onnx.NodeProto.create({ opType: 'Cast', input: [x], output: ['x32'], attribute: [{ name: 'to', type: 2, i: FLOAT }] }));
    x = 'x32';
  }
  const last = outputType === FLOAT ? outputName : 'score32';
  node.push(
    onnx.NodeProto.create({ opType: 'MatMul', input: [x, 'weights'], output: ['projected'] }),
    onnx.NodeProto.create({ opType: 'Add', input: ['projected', 'bias'], output: ['logit'] }),
    onnx.NodeProto.create({ opType: 'Sigmoid', input: ['logit'], output: [last] }),
  );
  if (outputType !== FLOAT) {
    node.push(
      onnx.NodeProto.create({ opType: 'Cast', input: [last], output: [outputName], attribute: [{ name: 'to', type: 2, i: outputType }] }),
    );
  }
  const graph = onnx.GraphProto.create({
    name: 'test-model',
    input: [valueInfo(inputName, inputType, opts.inputDims ?? ['batch', width])],
    output: [valueInfo(outputName, outputType, opts.outputDims ?? ['batch', 1])],
    initializer: [
      onnx.TensorProto.create({ name: 'weights', dims: [width, 1], dataType: FLOAT, floatData: [...weights] }),
      onnx.TensorProto.create({ name: 'bias', dims: [1], dataType: FLOAT, floatData: [opts.bias ?? 0] }),
    ],
    node,
  });
  const model = onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }], producerName: 'tidewater-test', graph });
  return onnx.ModelProto.encode(model).finish();
}

/** The logit whose sigmoid is `score`: a model built with `bias: logitOf(s)` scores every row s. */
export function logitOf(score: number): number {
  return Math.log(score / (1 - score));
}

/**
 * Writes `<root>/<name>/<version>/{manifest.json, model.onnx}` from the committed manifest with
 * `bytes` as the model (sha256 updated) and `change` applied to the manifest last.
 */
export async function writeTestModel(
  root: string,
  name: string,
  version: string,
  bytes: Uint8Array,
  change: (m: ModelManifest) => unknown = (m) => m,
): Promise<string> {
  const template = JSON.parse(await readFile(join(COMMITTED_MODEL_DIR, 'manifest.json'), 'utf8')) as ModelManifest;
  const dir = join(root, name, version);
  await mkdir(dir, { recursive: true });
  const manifest: ModelManifest = { ...template, name, version, sha256: createHash('sha256').update(bytes).digest('hex') };
  await writeFile(join(dir, manifest.file), bytes);
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(change(manifest), null, 2));
  return dir;
}
