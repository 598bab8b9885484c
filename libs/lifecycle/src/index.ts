export { closeOnce } from './close-once.js';
export { createShutdown, exitOnSignals } from './shutdown.js';
export type { Shutdown, ShutdownResult, ShutdownStep } from './shutdown.js';
