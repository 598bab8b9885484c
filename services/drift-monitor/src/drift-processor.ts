import { randomUUID } from 'node:crypto';
import type { Context } from '@opentelemetry/api';
import type { ModelManifest } from '@tidewater/model-manifest';
import type { Alert, DriftReport, FeatureVector, Prediction } from '@tidewater/schemas';
import { driftAlert } from './drift-alert.js';
import { DriftWindow } from './drift-window.js';
import { FeaturePredictionJoin } from './feature-prediction-join.js';

export type DriftInput = { kind: 'features'; value: FeatureVector } | { kind: 'prediction'; value: Prediction };

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
  readonly manifest: ModelManifest;
  readonly windowSize: number;
  readonly psiThreshold: number;
  readonly joinCapacity: number;
  readonly runbookBaseUrl: string;
  readonly now: () => number;
  readonly onEvict?: (side: 'features' | 'prediction') => void;
  readonly onWindowClosed?: (report: DriftReport) => void;
}

/**
 * The drift monitor's state machine, without Kafka: pairs features with predictions by event id,
 * fills tumbling windows, and turns each closed window into a report and, when the verdict flips,
 * a firing or resolved alert. A record changes the state once however often it is applied (a
 * retried batch), and outputs stay pending until the caller says Kafka acknowledged them.
 */
export function createDriftProcessor(opts: DriftProcessorOptions) {
  const { manifest } = opts;
  const join = new FeaturePredictionJoin(opts.joinCapacity, (side) => opts.onEvict?.(side));
  const applied = new Map<string, number>();
  let window = new DriftWindow(manifest);
  let firingSince: number | undefined;
  let pending: DriftOutputs = { reports: [], alerts: [] };

  function closeWindow(closer: DriftRecord): void {
    const report = window.report(randomUUID(), opts.psiThreshold);
    window = new DriftWindow(manifest);
    opts.onWindowClosed?.(report);
    pending.reports.push({ report, context: closer.context });
    const t = opts.now();
    if (report.drifted && firingSince === undefined) {
      firingSince = t;
      pending.alerts.push({ alert: driftAlert(report, 'firing', t, t, opts.runbookBaseUrl), context: closer.context });
    } else if (!report.drifted && firingSince !== undefined) {
      pending.alerts.push({ alert: driftAlert(report, 'resolved', firingSince, t, opts.runbookBaseUrl), context: closer.context });
      firingSince = undefined;
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
        // A window counts an event once both its features and its prediction are in, so both
        // sides of a window describe the same events.
        const pair = r.value.kind === 'features' ? join.addFeatures(r.value.value) : join.addPrediction(r.value.value);
        if (!pair) continue;
        const p = pair.prediction;
        if (p.model_name !== manifest.name || p.model_version !== manifest.version) continue;
        window.addFeatures(pair.features);
        window.addPrediction(p.score, p.label, p.event_time);
        if (window.size >= opts.windowSize) closeWindow(r);
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
  };
}

export type DriftProcessor = ReturnType<typeof createDriftProcessor>;
