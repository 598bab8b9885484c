import { z } from 'zod';
import { commonServiceEnv, intFromEnv } from '@tidewater/config';
import { repoRoot } from '@tidewater/schemas';
import { topicNamesEnv } from '@tidewater/service-runtime';

export const inferenceConfigSchema = z.object({
  ...commonServiceEnv,
  ...topicNamesEnv,
  HTTP_PORT: intFromEnv(0, 65535).default(8082),
  CONSUMER_GROUP: z.string().min(1).default('tidewater-inference'),
  /** Directory of one model version: model.onnx plus manifest.json. */
  MODEL_DIR: z.string().min(1).default(`${repoRoot}models/fraud-demo/1`),
  ORT_INTRA_OP_THREADS: intFromEnv(1, 64).default(1),
});

export type InferenceConfig = z.infer<typeof inferenceConfigSchema>;
