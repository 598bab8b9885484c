export { registerOipRoutes, oipRoutes } from './oip-routes.js';
export type { OipRoutesOptions, ScoreFn } from './oip-routes.js';
export { LABEL_OUTPUT, inferRequestSchema } from './infer-request.js';
export type { InferRequest, ResponseTensor } from './infer-request.js';
