export { ModelRepository } from './model-repository.js';
export type { ModelRepositoryOptions, PolicyChange, PolicyChangeOptions } from './model-repository.js';
export { NO_POLICY_REVISION, policyRevision } from './policy-file.js';
export type { PolicyWriteOptions } from './policy-file.js';
export type { ModelStatus, VersionStatus } from './repository-status.js';
export type { EffectiveRoute } from './model-routes.js';
export { POLICY_FILE, canarySeed, entityBucket, parseTrafficPolicy, trafficPolicySchema } from './traffic-policy.js';
export type { TrafficPolicy } from './traffic-policy.js';
