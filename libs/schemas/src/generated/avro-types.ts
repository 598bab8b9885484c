// Generated from schemas/*.avsc by `npm run codegen`. Do not edit: change the schema and regenerate.
/* eslint-disable */

// entity-key.avsc
export type EntityKey = string;

// raw-payment-event.avsc
/** A payment event as upstream systems send it to events.raw (JSON) or POST /v1/events. Ingestion validates its structure against this schema. */
export interface RawPaymentEvent {
  /** Upstream's unique id for the event; deduplication key. */
  readonly event_id: string;
  /** When the payment happened, ISO 8601 with a zone offset. */
  readonly occurred_at: string;
  /** The card that paid: the entity key. */
  readonly card_id: string;
  /** Amount in the major unit of currency; non-negative. */
  readonly amount: number;
  /** ISO 4217 code. */
  readonly currency: string;
  readonly merchant_id: string;
  /** ISO 18245 merchant category code. */
  readonly merchant_category: string;
  /** ISO 3166-1 alpha-2 code of the merchant. */
  readonly country: string;
  /** One of ecom, pos, atm, moto. */
  readonly channel: string;
}

// payment-event.avsc
export type Channel = 'ecom' | 'pos' | 'atm' | 'moto' | 'unknown';

/** A validated, normalized payment event on events.valid. */
export interface PaymentEvent {
  readonly event_id: string;
  /** Event time, UTC epoch millis. */
  readonly occurred_at: number;
  /** When ingestion accepted the event, UTC epoch millis. */
  readonly ingested_at: number;
  readonly card_id: string;
  readonly amount: number;
  readonly currency: string;
  readonly merchant_id: string;
  readonly merchant_category: string;
  readonly country: string;
  readonly channel: Channel;
}

// feature-vector.avsc
/** The features of one entity at one event, on the features topic. */
export interface FeatureVector {
  readonly event_id: string;
  readonly entity_key: string;
  /** Name of the feature set that computed the vector. */
  readonly feature_set: string;
  readonly feature_set_version: string;
  readonly event_time: number;
  readonly ingested_at: number;
  /** When the feature service computed the vector. */
  readonly feature_time: number;
  /** True when the event arrived later than the allowed lateness and did not update state. */
  readonly late: boolean;
  /** Feature name to value; null when a feature could not be computed. */
  readonly features: Readonly<Record<string, null | number | string | boolean>>;
}

// prediction.avsc
export interface SourceOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** One model's score for one event, with the lineage needed to tell what produced it. */
export interface Prediction {
  readonly event_id: string;
  readonly entity_key: string;
  readonly model_name: string;
  readonly model_version: string;
  readonly feature_set_version: string;
  /** Model output in [0, 1]: probability of the positive class. */
  readonly score: number;
  /** score >= threshold. */
  readonly label: boolean;
  readonly threshold: number;
  readonly event_time: number;
  readonly ingested_at: number;
  readonly feature_time: number;
  readonly predicted_at: number;
  /** Where the scored feature vector was read. */
  readonly source: SourceOffset;
}

// drift-report.avsc
export interface FeatureDrift {
  readonly feature: string;
  /** Name of the statistic, e.g. psi. */
  readonly statistic: string;
  readonly value: number;
  readonly threshold: number;
  readonly p_value: null | number;
  readonly drifted: boolean;
  /** Values of the feature in the window (missing ones excluded). */
  readonly sample_size: number;
  /** numeric, categorical or score. */
  readonly kind: string;
  /** p_value after the report's multiple-testing correction; the verdict compares it with threshold. */
  readonly p_value_adjusted: null | number;
  /** Share of events where the feature was null or absent. */
  readonly missing_rate: number;
  /** Share of values outside the manifest's training min/max (numeric inputs). */
  readonly out_of_range_rate: number;
  /** Categories absent from the reference profile (categorical features), at most 20. */
  readonly unseen_categories: ReadonlyArray<string>;
}

/** What drift-monitor saw in one window of one model version. */
export interface DriftReport {
  readonly report_id: string;
  readonly model_name: string;
  readonly model_version: string;
  readonly window_start: number;
  readonly window_end: number;
  readonly sample_size: number;
  readonly features: ReadonlyArray<FeatureDrift>;
  /** Mean prediction score in the window. */
  readonly score_mean: number;
  readonly positive_rate: number;
  /** Share of feature values that were null. */
  readonly missing_rate: number;
  /** The model-level verdict. */
  readonly drifted: boolean;
  /** count (N events), time (tumbling event-time window), or sliding (the last DRIFT_SLIDING_WINDOWS windows merged; not used for alerts). */
  readonly window_kind: string;
  /** Multiple-testing correction applied to p-values: bh, bonferroni or none. */
  readonly correction: string;
  /** Share of features with data in the window that drifted. */
  readonly drift_share: number;
  readonly drifted_features: ReadonlyArray<string>;
  /** Share of numeric values outside training min/max. */
  readonly out_of_range_rate: number;
  /** Share of categorical values whose category the reference never saw. */
  readonly unseen_category_rate: number;
  readonly reference_positive_rate: number;
  /** positive_rate - reference_positive_rate. */
  readonly positive_rate_change: number;
  /** Mean feature_time - event_time: how old events were when their features were computed. */
  readonly freshness_mean_ms: number;
  readonly freshness_max_ms: number;
  /** Records dead-lettered on the events DLQ while the window was open (schema violations upstream). */
  readonly dead_letters: number;
  /** dead_letters / (dead_letters + sample_size). */
  readonly schema_violation_rate: number;
  /** Events that arrived after their window had closed (beyond the allowed lateness) since the previous report; not counted in any window. */
  readonly late_events: number;
}

// alert.avsc
export type AlertStatus = 'firing' | 'resolved';

/** The alert contract on the alerts topic, shaped like a Prometheus Alertmanager alert. */
export interface Alert {
  /** Hash of the sorted label set: the alert's identity. */
  readonly fingerprint: string;
  readonly status: AlertStatus;
  /** Identify the alert: alertname, severity, model, model_version, feature, ... */
  readonly labels: Readonly<Record<string, string>>;
  /** Describe it: summary, description, runbook_url, figures. */
  readonly annotations: Readonly<Record<string, string>>;
  readonly starts_at: number;
  readonly ends_at: null | number;
  /** The service that raised the alert. */
  readonly source: string;
  readonly generator_url: null | string;
}

/** Maps each schema name to its record type. */
export interface SchemaTypes {
  entityKey: EntityKey;
  rawPaymentEvent: RawPaymentEvent;
  paymentEvent: PaymentEvent;
  featureVector: FeatureVector;
  prediction: Prediction;
  driftReport: DriftReport;
  alert: Alert;
}
