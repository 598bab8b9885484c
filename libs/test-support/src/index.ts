// Test-only helpers shared by more than one package; never imported by code under src/ that ships.
import './provided-context.js';

export { createTopics, mockKafkaControl, stackEndpoints, testKafka, testStack, uniqueName } from './dev-stack.js';
export { runService, type RunningService } from './service-processes.js';
export { waitFor, type WaitForOptions } from './wait-for.js';
export { documentedRoutes, loadOpenApi, registeredRoutes, unresolvedRefs, unsecuredOperations } from './openapi-routes.js';
