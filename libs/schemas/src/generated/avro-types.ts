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
  readonly sample_size: number;
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
