export { closeOnce } from './close-once.js';
export { createShutdown, exitOnSignals, lifecycleErrors } from './shutdown.js';
export type { Shutdown, ShutdownResult, ShutdownStep } from './shutdown.js';
