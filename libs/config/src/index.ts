export { loadConfig, configErrors } from './load-config.js';
export { boolFromEnv, commonServiceEnv, csvList, intFromEnv, redisUrl } from './env-fields.js';
} from './security-env.js';
