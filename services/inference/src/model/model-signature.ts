import type { InferenceSession } from 'onnxruntime-node';
import { modelErrors } from './errors.js';
import type { ModelManifest } from '@tidewater/model-manifest';

type SessionSignature = Pick<InferenceSession, 'inputNames' | 'outputNames' | 'inputMetadata' | 'outputMetadata'>;

function findMetadata(list: readonly InferenceSession.ValueMetadata[] | undefined, name: string) {
  return list?.find((m) => m.name === name);
}

/**
 * Lists every way a loaded session differs from what its manifest declares: input and output
 * names, and where ONNX Runtime exposes metadata, dtype float32, a [batch, features] input whose
 * batch dimension is dynamic, and a float32 [batch, k] output with k > scoreIndex (an unknown
 * shape is not checked).
 * Empty when they agree.
 */
export function signatureProblems(session: SessionSignature, manifest: ModelManifest): string[] {
  const problems: string[] = [];
  const { tensor: inputName, features } = manifest.inputs;
  const { tensor: outputName, scoreIndex } = manifest.outputs;

  if (session.inputNames.length !== 1 || session.inputNames[0] !== inputName) {
    problems.push(`model inputs are [${session.inputNames.join(', ')}], manifest expects exactly [${inputName}]`);
  }
  if (!session.outputNames.includes(outputName)) {
    problems.push(`model outputs are [${session.outputNames.join(', ')}], manifest expects ${outputName}`);
  }

  const input = findMetadata(session.inputMetadata, inputName);
  if (input !== undefined) {
    if (!input.isTensor) problems.push(`input ${inputName} is not a tensor`);
    else {
      if (input.type !== 'float32') problems.push(`input ${inputName} has dtype ${input.type}, manifest expects float32`);
      const [batch, width] = input.shape;
      if (input.shape.length > 0 && (input.shape.length !== 2 || width !== features.length)) {
        problems.push(`input ${inputName} has shape [${input.shape.join(', ')}], manifest expects [batch, ${features.length}]`);
      } else if (typeof batch === 'number' && batch >= 0) {
        // A fixed first dimension would make every batch but that exact size fail at score time.
        problems.push(
          `input ${inputName} has a fixed batch dimension ${batch}; batching needs a dynamic one ([batch, ${features.length}])`,
        );
      }
    }
  }

  const output = findMetadata(session.outputMetadata, outputName);
  if (output !== undefined) {
    if (!output.isTensor) problems.push(`output ${outputName} is not a tensor`);
    else {
      if (output.type !== 'float32') problems.push(`output ${outputName} has dtype ${output.type}, manifest expects float32`);
      const [, width] = output.shape;
      if (output.shape.length > 0 && (output.shape.length !== 2 || (typeof width === 'number' && width >= 0 && scoreIndex >= width))) {
        problems.push(
          `output ${outputName} has shape [${output.shape.join(', ')}], manifest reads column ${scoreIndex} of a [batch, k] tensor`,
        );
      }
    }
  }
  return problems;
}

/** Throws TW_MODEL_SIGNATURE_MISMATCH listing every difference between session and manifest. */
export function assertSignature(session: SessionSignature, manifest: ModelManifest, source: string): void {
  const problems = signatureProblems(session, manifest);
  if (problems.length > 0) {
    throw modelErrors.create('TW_MODEL_SIGNATURE_MISMATCH', `model ${source} does not match its manifest:\n- ${problems.join('\n- ')}`, {
      details: { source, problems },
    });
  }
}
