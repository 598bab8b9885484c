import avro from 'avsc';
import { loadSchema } from '@tidewater/schemas';
import type { FeatureVector } from '@tidewater/schemas';
import { cardFraudFeatures } from '../../libs/schemas/test/card-fraud-features.js';
import type { BenchCase } from './measure.js';

// Decode cost of a feature vector's `features` map three ways (docs/adr/0007-feature-vector-map-decoding.md):
// avsc's own map reader, our fast map reader (avro-map-type.ts, which overrides avsc internals),
// and the alternative that needs no override: a record per feature-set version, read by a consumer
// on the same version or on the previous one (one feature fewer, through an avsc resolver).

/** One vector of the card-fraud feature set, as computed. */
const features: FeatureVector['features'] = cardFraudFeatures;
const names = Object.keys(features);

export const featureVector: FeatureVector = {
  event_id: '01JNB3S1V7Q8W4Y2K9D6F0H5MZ',
  entity_key: 'card_5f2c9a1e7b',
  feature_set: 'card-fraud',
  feature_set_version: '3',
  event_time: 1_740_826_800_000,
  ingested_at: 1_740_826_800_250,
  feature_time: 1_740_826_800_400,
  late: false,
  features,
};

/** The topic's schema with `features` a record of these names, each nullable as the map's values are. */
function recordPerVersionSchema(featureNames: readonly string[]): avro.Schema {
  const json = JSON.parse(loadSchema('featureVector').text) as { fields: { name: string; type: unknown }[] };
  const values = ['null', 'double', 'string', 'boolean'];
  const record = {
    type: 'record',
    // One name for every version of a feature set: Avro resolves a writer's record against the
    // reader's by name (or alias), so a name per version would make versions unreadable to each other.
    name: 'CardFraudFeatures',
    fields: featureNames.map((name) => ({ name, type: values, default: null })),
  };
  return { ...json, fields: json.fields.map((f) => (f.name === 'features' ? { ...f, type: record } : f)) } as avro.Schema;
}

let sink = 0;
export function featureVectorSink(): number {
  return sink;
}

/** A case decoding with `decode`, compared with avsc's own map reader. */
function decodeCase(name: string, decode: () => unknown): BenchCase {
  return { name, op: 'decode', baseline: FV_BASELINE, run: (n) => repeat(n, () => (decode() === undefined ? 0 : 1)) };
}

function repeat(n: number, work: () => number): void {
  for (let i = 0; i < n; i++) sink += work();
}

export const FV_BASELINE = 'fv avsc map';

/** The feature-vector decode cases (names start with `fv `, each compared with avsc's map reader) and body sizes. */
export function featureVectorCases(): { cases: BenchCase[]; bytes: { map: number; record: number } } {
  const plainMap = avro.Type.forSchema(JSON.parse(loadSchema('featureVector').text) as avro.Schema);
  const fastMap = loadSchema('featureVector').type;
  const mapBody = plainMap.toBuffer(featureVector);
  // The next feature-set version (one feature added) alternating with this one, as during a
  // rollout: the fast reader's "same keys as last time" shortcut misses on every record.
  const nextVersion = { ...featureVector, feature_set_version: '4', features: { ...features, amount_to_max_24h: 0.41 } };
  const otherBody = plainMap.toBuffer(nextVersion);

  const record = avro.Type.forSchema(recordPerVersionSchema(names));
  const olderReader = avro.Type.forSchema(recordPerVersionSchema(names.slice(0, -1)));
  const resolver = olderReader.createResolver(record);
  const recordBody = record.toBuffer(featureVector);
  let flip = false;
  const cases: BenchCase[] = [
    decodeCase(FV_BASELINE, () => plainMap.fromBuffer(mapBody)),
    decodeCase('fv fast map (override)', () => fastMap.fromBuffer(mapBody)),
    decodeCase('fv fast map, 2 versions alternating', () => {
      flip = !flip;
      return fastMap.fromBuffer(flip ? mapBody : otherBody);
    }),
    decodeCase('fv record per version', () => record.fromBuffer(recordBody)),
    decodeCase('fv record, reader one version older', () => olderReader.fromBuffer(recordBody, resolver)),
  ];
  return { cases, bytes: { map: mapBody.length, record: recordBody.length } };
}
