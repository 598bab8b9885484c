export {
  parseSilenceInput,
  silenceInputSchema,
  silenceMatcherSchema,
  silenceLimits,
  silenceState,
  silenceStates,
  silencedBy,
  sortSilencesForDisplay,
} from './silence.js';
export type { Silence, SilenceInput, SilenceMatcher, SilenceProblem, SilenceState } from './silence.js';
export { parseFilterMatcher, silenceMatchesFilters } from './silence-filter.js';
export { createSilenceStore } from './silence-store.js';
export type { SilenceStore, SilenceStoreOptions } from './silence-store.js';
export { gettableSilence, registerSilenceRoutes, silenceRoutes } from './silence-routes.js';
export type { GettableSilence, SilenceRoutesOptions } from './silence-routes.js';
