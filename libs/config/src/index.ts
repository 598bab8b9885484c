export { loadConfig, configErrors } from './load-config.js';
export { boolFromEnv, commonServiceEnv, csvList, intFromEnv } from './env-fields.js';
