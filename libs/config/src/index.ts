export { loadConfig, configErrors } from './load-config.js';
export { boolFromEnv, commonServiceEnv, csvList, intFromEnv, redisUrl } from './env-fields.js';
export {
  checkSecurityEnv,
  kafkaSecurityEnv,
  readableFile,
  redisSecurityEnv,
  schemaRegistrySecurityEnv,
  securityEnvProblems,
} from './security-env.js';
export { adminApiEnv, apiHttpPort } from './admin-api-env.js';
