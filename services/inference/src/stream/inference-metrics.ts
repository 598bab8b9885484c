import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The inference worker's own metrics; the consumer runner adds tw_kafka_* ones. */
export interface InferenceMetrics {
  /** Rows per session run, per model version. */
  readonly batchSize: Histogram<'model' | 'version'>;
  /** Duration of one session run (in the pool: including the hop to the worker thread). */
  readonly runSeconds: Histogram<'model' | 'version'>;
  /** Predictions acknowledged by Kafka, by destination (`predictions` or `shadow`). */
  readonly predictions: Counter<'model' | 'version' | 'destination'>;
  /** Failed session runs (rows affected) per model version. */
  readonly errors: Counter<'model' | 'version'>;
  /** Model outputs that were not a score (NaN, Infinity, outside [0, 1]): dead-lettered (predictions) or skipped (shadow). */
  readonly invalidScores: Counter<'model' | 'version' | 'destination'>;
  /** Input features that took the manifest default (missing, null, non-numeric, non-finite as float32). */
  readonly defaultedFeatures: Counter<'model' | 'version'>;
  /** Records read and not yet acknowledged downstream. */
  readonly inFlight: Gauge;
  /** Partitions paused because in-flight work is over its bound. */
  readonly pausedPartitions: Gauge;
  /** Times the consumer paused for backpressure. */
  readonly pauses: Counter;
  /** Seconds from an event's time to its prediction's acknowledgement by Kafka. */
  readonly pipelineLatency: Histogram<'model'>;
}

export function createInferenceMetrics(registry: Registry): InferenceMetrics {
  const registers = [registry];
  return {
    batchSize: new Histogram({
      name: 'tw_inference_batch_size',
      help: 'Rows per ONNX session run',
      labelNames: ['model', 'version'],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers,
    }),
    runSeconds: new Histogram({
      name: 'tw_inference_run_seconds',
      help: 'Duration of one ONNX session run',
      labelNames: ['model', 'version'],
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1],
      registers,
    }),
    predictions: new Counter({
      name: 'tw_inference_predictions_total',
      help: 'Predictions acknowledged by Kafka, by model version and destination (predictions, shadow)',
      labelNames: ['model', 'version', 'destination'],
      registers,
    }),
    errors: new Counter({
      name: 'tw_inference_errors_total',
      help: 'Rows whose session run failed, by model version',
      labelNames: ['model', 'version'],
      registers,
    }),
    invalidScores: new Counter({
      name: 'tw_inference_invalid_scores_total',
      help: 'Model outputs that were not a score in [0, 1] (NaN, Infinity): never published; dead-lettered for predictions, skipped for shadow',
      labelNames: ['model', 'version', 'destination'],
      registers,
    }),
    defaultedFeatures: new Counter({
      name: 'tw_inference_defaulted_features_total',
      help: 'Input features of scored rows that took the manifest default: missing, null, non-numeric, or not finite as float32',
      labelNames: ['model', 'version'],
      registers,
    }),
    pipelineLatency: new Histogram({
      name: 'tw_pipeline_latency_seconds',
      help: "End to end: from the event's time (occurred_at) to its prediction acknowledged on the predictions topic",
      labelNames: ['model'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    inFlight: new Gauge({ name: 'tw_inference_in_flight', help: 'Records read and not yet acknowledged downstream', registers }),
    pausedPartitions: new Gauge({
      name: 'tw_inference_paused_partitions',
      help: 'Partitions paused because in-flight records exceed MAX_IN_FLIGHT',
      registers,
    }),
    pauses: new Counter({
      name: 'tw_inference_backpressure_pauses_total',
      help: 'Times a partition was paused for backpressure',
      registers,
    }),
  };
}
