export { adminRoutes, registerAdminRoutes } from './admin-routes.js';
export type { AdminRoutesOptions } from './admin-routes.js';
