export { TidewaterError, defineErrors, errorCode, isRetriable } from './error-catalogue.js';
export type { ErrorCatalogue, ErrorSpec } from './error-catalogue.js';
export { checkDocumentedCodes } from './documented-codes.js';
