export { loadConfig, configErrors } from './load-config.js';
export { boolFromEnv, commonServiceEnv, csvList, intFromEnv, redisUrl } from './env-fields.js';
export { adminApiEnv, adminHttpPort } from './admin-api-env.js';
