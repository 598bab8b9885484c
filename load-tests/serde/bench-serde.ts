/**
 * Throughput of the Tidewater Avro serde next to raw avsc and the official Confluent serde.
 * Run from the repo root: `npm run bench:serde` (or `npx tsx load-tests/serde/bench-serde.ts`).
 * Prints a table, then as its last line one JSON object for scripts.
 *
 * Every registry-backed case runs against the official client's in-process mock (`mock://`).
 * That is fair to the official serde: reading its code (dist/serde/avro.js, serde.js) shows that
 * after the first message it makes no HTTP call. Per message, `serialize` calls the client's
 * `getLatestSchemaMetadata` and `deserialize` calls `getBySubjectAndId`, which the HTTP client
 * answers from its LRU caches (behind a mutex); the rest is CPU in the serde itself (a
 * deterministic JSON stringify of the schema text to key its type cache, rule execution,
 * `isValid`, `toBuffer`, `Buffer.concat`). The mock answers those two calls from Maps, but
 * differently: its `getLatestSchemaMetadata` re-parses the JSON keys of every stored version.
 * So the bench also runs the official serde once more with the real HTTP client against a tiny
 * read-only registry on 127.0.0.1 and counts the HTTP requests made while timing (expected: 0).
 *
 * The `fv` cases decode one feature vector (23 features) with avsc's own map reader, with ours
 * (avro-map-type.ts) and with a record per feature-set version, each against avsc's map reader
 * (docs/adr/0007-feature-vector-map-decoding.md).
 */
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { loadSchema } from '@tidewater/schemas';
import type { Prediction } from '@tidewater/schemas';
import { measureCases } from './measure.js';
import type { CaseResult } from './measure.js';
import { startReadOnlyRegistry } from './read-only-registry.js';
import { avscCases, benchSink, officialCases, tidewaterCases } from './serde-cases.js';
import { FV_BASELINE, featureVectorCases, featureVectorSink } from './feature-vector-cases.js';
import type { Workload } from './serde-cases.js';
import { printBenchResult } from '../bench-results/record.js';

const ROUNDS = 5;
const WARMUP_MS = 400;
const ROUND_MS = 400;

const prediction: Prediction = {
  event_id: '01JNB3S1V7Q8W4Y2K9D6F0H5MZ',
  entity_key: 'card_5f2c9a1e7b',
  model_name: 'fraud-gbm',
  model_version: '2025-02-27.1',
  feature_set_version: 'card_velocity/v3',
  score: 0.873_104_2,
  label: true,
  threshold: 0.75,
  event_time: 1_740_826_800_000,
  ingested_at: 1_740_826_800_250,
  feature_time: 1_740_826_800_400,
  predicted_at: 1_740_826_800_455,
  source: { topic: 'features', partition: 3, offset: 18_234_567 },
};

async function main(): Promise<void> {
  const workload: Workload<Prediction> = { topic: 'predictions', schema: loadSchema('prediction'), value: prediction };
  const subject = `${workload.topic}-value`;

  // newClient (not the constructor) is what turns mock:// into the library's MockClient.
  const mock = SchemaRegistryClient.newClient({ baseURLs: ['mock://'] });
  const schemaId = await mock.register(subject, { schemaType: 'AVRO', schema: workload.schema.text }, false);

  const http = await startReadOnlyRegistry([{ subject, id: schemaId, schema: workload.schema.text }]);
  const httpClient = new SchemaRegistryClient({ baseURLs: [http.url], maxRetries: 0 });
  const fv = featureVectorCases();
  try {
    const cases = [
      ...(await tidewaterCases(workload, mock)),
      ...avscCases(workload),
      ...(await officialCases(workload, mock, '')),
      ...(await officialCases(workload, httpClient, ' (HTTP client)')),
      ...fv.cases,
    ];
    const requestsBefore = http.requests();
    const started = Date.now();
    const results = await measureCases(cases, { rounds: ROUNDS, warmupMs: WARMUP_MS, roundMs: ROUND_MS });
    const httpRequestsWhileMeasuring = http.requests() - requestsBefore;
    report(results, {
      schemaId,
      bodyBytes: workload.schema.type.toBuffer(prediction).length,
      fvBytes: fv.bytes,
      httpRequestsWhileMeasuring,
      seconds: (Date.now() - started) / 1000,
    });
  } finally {
    await httpClient.close();
    await http.close();
  }
}

function report(
  results: CaseResult[],
  run: {
    schemaId: number;
    bodyBytes: number;
    fvBytes: { map: number; record: number };
    httpRequestsWhileMeasuring: number;
    seconds: number;
  },
): void {
  const rate = (name: string) => results.find((r) => r.name === name)?.medianPerSecond ?? Number.NaN;
  const ours = { encode: rate('tidewater encode'), decode: rate('tidewater decode') };
  const avsc = { encode: rate('avsc toBuffer'), decode: rate('avsc fromBuffer') };
  const official = { encode: rate('official serialize'), decode: rate('official deserialize') };
  const officialHttp = { encode: rate('official serialize (HTTP client)'), decode: rate('official deserialize (HTTP client)') };

  console.log(`serde bench: one Prediction record, ${run.bodyBytes} bytes of Avro body (+5 framing), schema id ${run.schemaId}`);
  console.log(`registry: official client's in-process mock (mock://) unless marked "HTTP client" (real client, cached, 127.0.0.1)`);
  console.log(`${ROUNDS} rounds per case after a ${WARMUP_MS} ms warm-up, rounds interleaved across cases; median shown\n`);
  const header = ['case', 'msgs/round', 'median msgs/s', 'min', 'max', 'vs avsc'];
  const rows = results.map((r) => [
    r.name,
    String(r.messagesPerRound),
    fmt(r.medianPerSecond),
    fmt(Math.min(...r.rates)),
    fmt(Math.max(...r.rates)),
    (r.medianPerSecond / (r.baseline !== undefined ? rate(r.baseline) : r.op === 'encode' ? avsc.encode : avsc.decode)).toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
  console.log(
    `\nours/avsc: encode ${ratio(ours.encode, avsc.encode)}, decode ${ratio(ours.decode, avsc.decode)}` +
      `   ours/official: encode ${ratio(ours.encode, official.encode)}, decode ${ratio(ours.decode, official.decode)}`,
  );
  const us = (name: string) => round2(1e6 / rate(name));
  const fv = {
    avscMap: us(FV_BASELINE),
    fastMap: us('fv fast map (override)'),
    fastMapAlternating: us('fv fast map, 2 versions alternating'),
    record: us('fv record per version'),
    recordOlderReader: us('fv record, reader one version older'),
  };
  console.log(
    `feature vector (${run.fvBytes.map} bytes as a map, ${run.fvBytes.record} as a record), us per decode: ` +
      `avsc map ${fv.avscMap}, fast map ${fv.fastMap} (${ratio(fv.avscMap, fv.fastMap)} faster; ${fv.fastMapAlternating} with 2 versions alternating), ` +
      `record per version ${fv.record}, reader one version older ${fv.recordOlderReader}`,
  );
  console.log(
    `HTTP requests made by the official HTTP client while timing: ${run.httpRequestsWhileMeasuring}; measured in ${run.seconds.toFixed(1)} s`,
  );
  printBenchResult(
    JSON.stringify({
      bench: 'serde',
      schema: 'prediction',
      registry: 'mock://',
      encode_per_s: Math.round(ours.encode),
      decode_per_s: Math.round(ours.decode),
      avsc_encode_per_s: Math.round(avsc.encode),
      avsc_decode_per_s: Math.round(avsc.decode),
      official_encode_per_s: Math.round(official.encode),
      official_decode_per_s: Math.round(official.decode),
      official_http_encode_per_s: Math.round(officialHttp.encode),
      official_http_decode_per_s: Math.round(officialHttp.decode),
      official_http_requests_while_timing: run.httpRequestsWhileMeasuring,
      encode_vs_avsc: round2(ours.encode / avsc.encode),
      decode_vs_avsc: round2(ours.decode / avsc.decode),
      encode_vs_official: round2(ours.encode / official.encode),
      decode_vs_official: round2(ours.decode / official.decode),
      fv_map_bytes: run.fvBytes.map,
      fv_record_bytes: run.fvBytes.record,
      fv_avsc_map_decode_us: fv.avscMap,
      fv_fast_map_decode_us: fv.fastMap,
      fv_fast_map_alternating_decode_us: fv.fastMapAlternating,
      fv_record_decode_us: fv.record,
      fv_record_older_reader_decode_us: fv.recordOlderReader,
      fv_fast_vs_avsc_map: round2(fv.avscMap / fv.fastMap),
      rounds: ROUNDS,
      node: process.version,
      sink: benchSink() > 0 && featureVectorSink() > 0,
    }),
  );
}

function fmt(perSecond: number): string {
  return Math.round(perSecond).toLocaleString('en-US');
}

function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(2)}x`;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

await main();
