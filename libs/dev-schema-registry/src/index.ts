export { createSchemaRegistryApp, SCHEMA_REGISTRY_CONTENT_TYPE } from './app.js';
export type { SchemaRegistryAppOptions } from './app.js';
export { startSchemaRegistry } from './server.js';
export type { RunningSchemaRegistry, SchemaRegistryServerOptions } from './server.js';
export { compatibilityLevels, DEFAULT_COMPATIBILITY } from './compatibility.js';
export type { CompatibilityLevel } from './compatibility.js';
export { devSchemaRegistryErrors, wireErrors } from './errors.js';
export type { DevSchemaRegistryErrorCode, WireError } from './errors.js';
