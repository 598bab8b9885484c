export { adminRoutes, registerAdminRoutes } from './admin-routes.js';
export { inferenceApiScopes } from './api-scopes.js';
