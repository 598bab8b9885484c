import onnxProto from 'onnx-proto';
import type { LogisticModel } from './logistic-regression.js';

const { onnx } = onnxProto;

export interface OnnxExportNames {
  readonly graphName: string;
  readonly inputName: string;
  readonly outputName: string;
  readonly docString: string;
}

function floatTensor(name: string, dims: number[], values: readonly number[]) {
  return onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: [...values] });
}

function floatValueInfo(name: string, dims: (number | string)[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  });
}

/**
 * Encodes a logistic regression as an ONNX graph (opset 13, IR version 8):
 * features [batch, F] -> Sub(mean) -> Div(std) -> MatMul(W [F, 1]) -> Add(b) -> Sigmoid -> score [batch, 1].
 * Parameters are stored as float32, the input's dtype, so they differ from the float64 values
 * passed in by at most float32 rounding (about 1e-7 relative).
 */
export function exportLogisticOnnx(model: LogisticModel, names: OnnxExportNames): Uint8Array {
  const width = model.weights.length;
  const graph = onnx.GraphProto.create({
    name: names.graphName,
    docString: names.docString,
    input: [floatValueInfo(names.inputName, ['batch', width])],
    output: [floatValueInfo(names.outputName, ['batch', 1])],
    initializer: [
      floatTensor('mean', [width], model.mean),
      floatTensor('std', [width], model.std),
      floatTensor('weights', [width, 1], model.weights),
      floatTensor('bias', [1], [model.bias]),
    ],
    node: [
      onnx.NodeProto.create({ name: 'center', opType: 'Sub', input: [names.inputName, 'mean'], output: ['centered'] }),
      onnx.NodeProto.create({ name: 'scale', opType: 'Div', input: ['centered', 'std'], output: ['standardized'] }),
      onnx.NodeProto.create({ name: 'project', opType: 'MatMul', input: ['standardized', 'weights'], output: ['projected'] }),
      onnx.NodeProto.create({ name: 'offset', opType: 'Add', input: ['projected', 'bias'], output: ['logit'] }),
      onnx.NodeProto.create({ name: 'squash', opType: 'Sigmoid', input: ['logit'], output: [names.outputName] }),
    ],
  });
  const modelProto = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'tidewater-train-demo-model',
    producerVersion: '1',
    graph,
  });
  return onnx.ModelProto.encode(modelProto).finish();
}
