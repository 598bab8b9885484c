export { loadSchema, schemaFiles, schemaNameForFile } from './avro-schemas.js';
export type { LoadedSchema, SchemaName } from './avro-schemas.js';
export { alertFingerprint, labelNamesInGoOrder } from './alert-fingerprint.js';
export { mapValueBuilder } from './avro-map-type.js';
export { idProblem, isWellFormedText, maxIdLength } from './id-contract.js';
export { loadTopicsManifest, schemasErrors } from './topics-manifest.js';
export type { TopicSpec, TopicsManifest } from './topics-manifest.js';
export { repoRoot, schemasDir, topicsManifestPath } from './paths.js';
export type {
  Alert,
  AlertStatus,
  Channel,
  DriftReport,
  EntityKey,
  FeatureDrift,
  FeatureVector,
  PaymentEvent,
  Prediction,
  RawPaymentEvent,
  SchemaTypes,
  SourceOffset,
} from './generated/avro-types.js';
