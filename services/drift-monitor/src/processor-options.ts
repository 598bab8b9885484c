import type { DriftConfig } from './config.js';
import type { DriftProcessorOptions } from './drift-processor.js';
import { defaultTests, parseFeatureTests } from './drift-tests.js';

/** The config keys that shape windows, tests, the decision and alerts. */
export type WindowAndTestConfig = Pick<
  DriftConfig,
  | 'DRIFT_WINDOW_MODE'
  | 'DRIFT_WINDOW_SIZE'
  | 'DRIFT_WINDOW_MS'
  | 'DRIFT_ALLOWED_LATENESS_MS'
  | 'DRIFT_MAX_OPEN_WINDOWS'
  | 'DRIFT_SAMPLE_SIZE'
  | 'DRIFT_SLIDING_WINDOWS'
  | 'DRIFT_MAX_CATEGORIES'
  | 'DRIFT_FEATURE_TESTS'
  | 'DRIFT_PSI_THRESHOLD'
  | 'DRIFT_CORRECTION'
  | 'DRIFT_SHARE'
  | 'DRIFT_SCORE_DECIDES'
  | 'DRIFT_MIN_WINDOW_EVENTS'
  | 'DRIFT_FIRE_AFTER'
  | 'DRIFT_RESOLVE_AFTER'
  | 'DRIFT_FEATURE_ALERTS'
  | 'DRIFT_JOIN_CAPACITY'
  | 'RUNBOOK_BASE_URL'
>;

/** The processor's windowing, tests, decision and alerting options from the service config. */
export function driftConfigFromEnv(
  c: WindowAndTestConfig,
): Omit<DriftProcessorOptions, 'manifests' | 'now' | 'onEvict' | 'onWindowClosed' | 'onUnknownModel'> {
  return {
    windowing: {
      mode: c.DRIFT_WINDOW_MODE,
      size: c.DRIFT_WINDOW_SIZE,
      durationMs: c.DRIFT_WINDOW_MS,
      allowedLatenessMs: c.DRIFT_ALLOWED_LATENESS_MS,
      maxOpenWindows: c.DRIFT_MAX_OPEN_WINDOWS,
      sampleSize: c.DRIFT_SAMPLE_SIZE,
      maxCategories: c.DRIFT_MAX_CATEGORIES,
      slidingWindows: c.DRIFT_SLIDING_WINDOWS,
    },
    featureTests: parseFeatureTests(c.DRIFT_FEATURE_TESTS),
    defaultTests: {
      numeric: { test: 'psi', threshold: c.DRIFT_PSI_THRESHOLD },
      categorical: defaultTests.categorical,
      score: { test: 'psi', threshold: c.DRIFT_PSI_THRESHOLD },
    },
    decision: {
      correction: c.DRIFT_CORRECTION,
      driftShare: c.DRIFT_SHARE,
      scoreDecides: c.DRIFT_SCORE_DECIDES,
      // A count window always holds DRIFT_WINDOW_SIZE events, the size the operator chose: judge it.
      minEvents: c.DRIFT_WINDOW_MODE === 'count' ? Math.min(c.DRIFT_MIN_WINDOW_EVENTS, c.DRIFT_WINDOW_SIZE) : c.DRIFT_MIN_WINDOW_EVENTS,
    },
    hysteresis: { fireAfter: c.DRIFT_FIRE_AFTER, resolveAfter: c.DRIFT_RESOLVE_AFTER },
    featureAlerts: c.DRIFT_FEATURE_ALERTS,
    joinCapacity: c.DRIFT_JOIN_CAPACITY,
    runbookBaseUrl: c.RUNBOOK_BASE_URL,
  };
}
