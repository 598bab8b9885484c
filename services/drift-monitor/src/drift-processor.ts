import { createHash, randomUUID } from 'node:crypto';
import type { Context } from '@opentelemetry/api';
import type { ModelManifest } from '@tidewater/model-manifest';
import type { Alert, DriftReport, FeatureVector, Prediction } from '@tidewater/schemas';
import { driftAlert, featureDriftAlert } from './drift-alert.js';
import { evaluateWindow, judgeable, type DecisionRule } from './drift-evaluation.js';
import { resolveFeatureTests, type FeatureTest } from './drift-tests.js';
import { addToWindows, emptyModelWindows, type ModelWindowsState, type WindowingOptions } from './event-time-windows.js';
import { FeaturePredictionJoin } from './feature-prediction-join.js';
import { emptyHysteresis, stepHysteresis, type HysteresisOptions, type HysteresisState } from './hysteresis.js';
import { driftErrors } from './errors.js';
import { mergeWindows } from './sliding-view.js';
import { compileProfile, type CompiledProfile, type WindowState } from './window-accumulator.js';

export type DriftInput =
  | { kind: 'features'; value: FeatureVector }
  | { kind: 'prediction'; value: Prediction }
  /** A record ingestion dead-lettered (on the shared DLQ): only counted (schema-violation rate). */
  | { kind: 'dead-letter' }
  /** A record that says nothing about drift (another service's dead letter): only its offset counts. */
  | { kind: 'ignored' };

/** The parts of a consumed record the processor needs. */
export interface DriftRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly value: DriftInput;
  /** Trace context of the record; reports and alerts of the window it closes continue it. */
  readonly context: Context;
}

export interface DriftOutputs {
  readonly reports: { report: DriftReport; context: Context }[];
  readonly alerts: { alert: Alert; context: Context }[];
}

export interface DriftProcessorOptions {
  /** The monitored model versions; predictions of other versions are counted and skipped. */
  readonly manifests: readonly ModelManifest[];
  readonly windowing: WindowingOptions;
  readonly featureTests: ReadonlyMap<string, FeatureTest>;
  /** Tests of features without an override; drift-tests.ts defaultTests when absent. */
  readonly defaultTests?: { readonly numeric: FeatureTest; readonly categorical: FeatureTest; readonly score: FeatureTest };
  readonly decision: DecisionRule;
  readonly hysteresis: HysteresisOptions;
  /** Also raise one FeatureDriftDetected alert per drifted feature (with its own hysteresis). */
  readonly featureAlerts: boolean;
  readonly joinCapacity: number;
  readonly runbookBaseUrl: string;
  readonly now: () => number;
  readonly onEvict?: (side: 'features' | 'prediction') => void;
  readonly onWindowClosed?: (report: DriftReport) => void;
  readonly onUnknownModel?: (model: string, version: string) => void;
}

interface Monitored {
  readonly manifest: ModelManifest;
  /** What DriftSnapshot stores as `sha256`. */
  readonly stateId: string;
  readonly tests: Map<string, FeatureTest>;
  readonly profile: CompiledProfile;
}

/** What survives a restart (JSON in Redis): open windows, alert streaks, and the offsets already applied. */
export interface DriftSnapshot {
  readonly format: 1;
  /**
   * Per model version, a sha256 of its ONNX file's sha256 and its reference profile: windows are
   * bins and categories of one profile, so they are never resumed against another (a profile
   * regenerated for the same ONNX file included).
   */
  readonly models: Record<string, { sha256: string; windows: ModelWindowsState; alerts: Record<string, HysteresisState> }>;
  readonly applied: Record<string, number>;
}

const modelKey = (name: string, version: string): string => `${name}@${version}`;

/**
 * The drift monitor's state machine, without Kafka or Redis: pairs features with predictions by
 * event id, puts each pair in its model version's event-time window, judges each closed window
 * (drift-evaluation.ts) and turns verdicts into firing / resolved alerts after K / M windows.
 * A record changes the state once however often it is applied (a retried batch, or a batch
 * replayed after a restart that restored a snapshot), and outputs stay pending until the caller
 * says Kafka acknowledged them.
 */
export function createDriftProcessor(opts: DriftProcessorOptions) {
  const join = new FeaturePredictionJoin(opts.joinCapacity, (side) => opts.onEvict?.(side));
  const monitored = new Map<string, Monitored>(
    opts.manifests.map((m) => {
      const tests = resolveFeatureTests(m, opts.featureTests, opts.defaultTests);
      const sampled = (name: string): boolean => ['ks', 'wasserstein'].includes(tests.get(name)?.test ?? '');
      const stateId = createHash('sha256').update(m.sha256).update(JSON.stringify(m.referenceProfile)).digest('hex');
      return [modelKey(m.name, m.version), { manifest: m, stateId, tests, profile: compileProfile(m, sampled) }];
    }),
  );
  let applied = new Map<string, number>();
  let models = new Map<string, { windows: ModelWindowsState; alerts: Map<string, HysteresisState> }>(
    [...monitored.keys()].map((k) => [k, { windows: emptyModelWindows(), alerts: new Map() }]),
  );
  let pending: DriftOutputs = { reports: [], alerts: [] };

  function alertStep(
    state: Map<string, HysteresisState>,
    key: string,
    drifted: boolean,
    make: (status: 'firing' | 'resolved', since: number, now: number) => Alert,
    context: Context,
  ): void {
    const h = state.get(key) ?? emptyHysteresis();
    state.set(key, h);
    const since = h.firingSince;
    const t = opts.now();
    const step = stepHysteresis(h, drifted, t, opts.hysteresis);
    if (step === 'fire') pending.alerts.push({ alert: make('firing', t, t), context });
    if (step === 'resolve') pending.alerts.push({ alert: make('resolved', since ?? t, t), context });
  }

  // The optional sliding view: the last N closed windows merged, reported beside the tumbling one
  // (window_kind 'sliding'); alerts and gauges follow the tumbling windows only.
  function slidingReport(m: Monitored, windows: ModelWindowsState, closed: WindowState): DriftReport | undefined {
    const n = opts.windowing.slidingWindows;
    if (n < 2) return undefined;
    windows.recent = [...(windows.recent ?? []), closed].slice(-n);
    return evaluateWindow(mergeWindows(windows.recent, opts.windowing.sampleSize), m.manifest, m.tests, opts.decision, {
      reportId: randomUUID(),
      windowKind: 'sliding',
      lateEvents: 0,
    });
  }

  function judge(
    m: Monitored,
    windows: ModelWindowsState,
    alerts: Map<string, HysteresisState>,
    closed: ReturnType<typeof addToWindows>,
    context: Context,
  ): void {
    for (const c of closed) {
      const report = evaluateWindow(c.window, m.manifest, m.tests, opts.decision, {
        reportId: randomUUID(),
        windowKind: opts.windowing.mode,
        lateEvents: c.lateEvents,
      });
      opts.onWindowClosed?.(report);
      pending.reports.push({ report, context });
      const sliding = slidingReport(m, windows, c.window);
      if (sliding) pending.reports.push({ report: sliding, context });
      // Too few events to judge: the window says nothing either way, so no streak moves.
      if (!judgeable(c.window, opts.decision)) continue;
      alertStep(alerts, '', report.drifted, (status, since, now) => driftAlert(report, status, since, now, opts.runbookBaseUrl), context);
      if (!opts.featureAlerts) continue;
      for (const f of report.features) {
        // A feature without values in the window says nothing either way: its streak stays as is.
        if (f.sample_size === 0) continue;
        alertStep(
          alerts,
          f.feature,
          f.drifted,
          (status, since, now) => featureDriftAlert(report, f, status, since, now, opts.runbookBaseUrl),
          context,
        );
      }
    }
  }

  return {
    /** Applies records in order; records already applied (by an attempt that failed later) are skipped. */
    apply(records: readonly DriftRecord[]): void {
      for (const r of records) {
        const tp = `${r.topic}:${r.partition}`;
        const offset = Number(r.offset);
        if ((applied.get(tp) ?? -1) >= offset) continue;
        applied.set(tp, offset);
        if (r.value.kind === 'ignored') continue;
        if (r.value.kind === 'dead-letter') {
          for (const s of models.values()) s.windows.deadLetters++;
          continue;
        }
        // A window counts an event once both its features and its prediction are in, so both
        // sides of a window describe the same events.
        const pair = r.value.kind === 'features' ? join.addFeatures(r.value.value) : join.addPrediction(r.value.value);
        if (!pair) continue;
        const p = pair.prediction;
        const key = modelKey(p.model_name, p.model_version);
        const m = monitored.get(key);
        const s = models.get(key);
        if (!m || !s) {
          opts.onUnknownModel?.(p.model_name, p.model_version);
          continue;
        }
        const closed = addToWindows(s.windows, m.manifest, m.profile, pair.features, p, opts.windowing);
        if (closed.length > 0) judge(m, s.windows, s.alerts, closed, r.context);
      }
    },
    /** Reports and alerts not yet acknowledged, oldest first. */
    pending(): DriftOutputs {
      return pending;
    },
    /** Kafka acknowledged everything `pending()` returned. */
    acknowledge(): void {
      pending = { reports: [], alerts: [] };
    },
    /** The state to persist after a batch (call after `acknowledge`, so no output is lost with it). */
    snapshot(): DriftSnapshot {
      return {
        format: 1,
        applied: Object.fromEntries(applied),
        models: Object.fromEntries(
          [...models].map(([k, s]) => [k, { sha256: monitored.get(k)!.stateId, windows: s.windows, alerts: Object.fromEntries(s.alerts) }]),
        ),
      };
    },
    /**
     * Resumes from a snapshot: open windows, alert streaks and applied offsets. The windows of a
     * model version whose model or reference profile changed are dropped (its alert streaks are
     * kept); all state of a version no longer monitored is dropped.
     * Throws TW_DRIFT_STATE_CORRUPT when `value` is not a snapshot.
     */
    restore(value: unknown): { resumed: string[]; dropped: string[] } {
      const snap = value as Partial<DriftSnapshot> | null;
      if (!snap || snap.format !== 1 || typeof snap.models !== 'object' || typeof snap.applied !== 'object') {
        throw driftErrors.create('TW_DRIFT_STATE_CORRUPT', 'drift state in Redis is not a format-1 snapshot');
      }
      const resumed: string[] = [];
      const dropped: string[] = [];
      const next = new Map(
        [...models.keys()].map((k) => [k, { windows: emptyModelWindows(), alerts: new Map<string, HysteresisState>() }]),
      );
      for (const [k, s] of Object.entries(snap.models)) {
        if (!next.has(k)) {
          dropped.push(k);
          continue;
        }
        if (monitored.get(k)?.stateId !== s.sha256) {
          // Windows filled against another reference profile are dropped, but the alert streaks
          // are kept: the alert's identity is its labels (model, version), and a firing alert
          // must still resolve once windows are clean, or it would stay firing for ever.
          next.set(k, { windows: emptyModelWindows(), alerts: new Map(Object.entries(s.alerts ?? {})) });
          dropped.push(k);
          continue;
        }
        // JSON has no Infinity: an empty state's -Infinity bounds come back as null.
        const w = s.windows;
        w.closedUpTo = w.closedUpTo ?? Number.NEGATIVE_INFINITY;
        w.maxEventTime = w.maxEventTime ?? Number.NEGATIVE_INFINITY;
        next.set(k, { windows: w, alerts: new Map(Object.entries(s.alerts)) });
        resumed.push(k);
      }
      models = next;
      applied = new Map(Object.entries(snap.applied));
      return { resumed, dropped };
    },
    /** Feature vectors and predictions waiting for their partner. */
    get waiting(): number {
      return join.waiting;
    },
  };
}

export type DriftProcessor = ReturnType<typeof createDriftProcessor>;
