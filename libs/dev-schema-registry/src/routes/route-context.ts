import type { CompatibilityLevel } from '../compatibility.js';
import type { StateStore } from '../state-store.js';

/** What every route module needs: the state and the level used when none is configured. */
export interface RouteContext {
  readonly store: StateStore;
  readonly defaultCompatibility: CompatibilityLevel;
}

/** Path parameters of the subject routes (Fastify has already URL-decoded them). */
export interface SubjectParams {
  subject: string;
}

export interface SubjectVersionParams {
  subject: string;
  version: string;
}
