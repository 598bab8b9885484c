export { loadOnnxModel } from './onnx-model.js';
export type { LoadedModel, LoadOnnxModelOptions } from './onnx-model.js';
export { createRowWriter } from './feature-row.js';
export type { FeatureValue, RowWriter } from './feature-row.js';
export { modelErrors } from './errors.js';
export { invalidScore, toScore } from './score-check.js';
export type { ModelErrorCode } from './errors.js';
