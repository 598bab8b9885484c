/**
 * npm run bench:drift — the drift processor over 1,000,000 feature vectors with 20 features
 * (8 model inputs + 9 extra numeric + 3 categorical), in process, with the per-batch JSON snapshot
 * the service writes to Redis; RSS sampled every 100,000 vectors to show memory stays flat. In the
 * same run, on the same vectors: the inference path's CPU cost per core (Avro-decode the vector,
 * fill the row, ONNX score at the service's batch of 256, Avro-encode the prediction) and the drift
 * path with its own Avro decoding and the processor alone, in alternating rounds, so the ratios
 * compare like with like under the same machine load. Then the pipeline's prediction rate: one
 * inference worker process scoring a backlog on the dev stack, which is the rate the "keeps
 * up with 3x the inference rate" is judged against, with its CPU split (worker, Kafka), and the bare
 * kafkajs pipe (../kafka/bare-pipe.ts) on the same backlog and broker, which both rates are printed
 * as ratios to. Smaller runs: BENCH_DRIFT_VECTORS, BENCH_DRIFT_PIPELINE_EVENTS (0 skips the Kafka
 * part). Last line: one JSON object.
 */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { createDriftProcessor, parseFeatureTests, type DriftRecord } from '@tidewater/drift-monitor';
import { loadOnnxModel } from '@tidewater/inference';
import { loadSchema, repoRoot, type FeatureVector, type Prediction } from '@tidewater/schemas';
import { benchManifest, eventAt, trafficPool } from './bench-traffic.js';
import { formatCpuSplit, roundedShares } from '../kafka/process-cpu.js';
import { measurePipelinePredictionRate } from './pipeline-rate.js';
import { printBenchResult } from '../bench-results/record.js';

const VECTORS = Number(process.env['BENCH_DRIFT_VECTORS'] ?? 1_000_000);
// DRIFT_FEATURE_TESTS-style overrides; empty = the service defaults (PSI, chi-square: no reservoirs).
const TESTS = process.env['BENCH_DRIFT_TESTS'] ?? '';
const SEGMENT = 100_000;
const BATCH = 500; // events per consumer batch: 1000 records (features + predictions)
const SIDE_ROUNDS = 3;
const SIDE_VECTORS = 50_000;
// Feature vectors for the pipeline's prediction rate (one inference worker on the dev stack) and the
// bare pipe on the same backlog; 0 skips that part.
const PIPELINE_EVENTS = Number(process.env['BENCH_DRIFT_PIPELINE_EVENTS'] ?? 100_000);

const manifest = benchManifest();
const pool = trafficPool(manifest, 20_000, 7);
const features = manifest.inputs.features.length + Object.keys(manifest.referenceProfile.categorical ?? {}).length;
const rssMb = (): number => Math.round((process.memoryUsage().rss / 2 ** 20) * 10) / 10;
const heapMb = (): number => Math.round((process.memoryUsage().heapUsed / 2 ** 20) * 10) / 10;
// Samples are taken after a full GC, so they show live data, not garbage the collector has not
// reached yet (without it RSS creeps up by V8's heap growth heuristics until a major GC).
v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (() => void) | undefined;
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function processor() {
  return createDriftProcessor({
    manifests: [manifest],
    windowing: {
      mode: 'count',
      size: 10_000,
      durationMs: 300_000,
      allowedLatenessMs: 60_000,
      maxOpenWindows: 8,
      sampleSize: 500,
      maxCategories: 200,
      slidingWindows: 0,
    },
    featureTests: parseFeatureTests(TESTS),
    decision: { correction: 'bh', driftShare: 0.5, scoreDecides: true },
    hysteresis: { fireAfter: 1, resolveAfter: 1 },
    featureAlerts: false,
    joinCapacity: 100_000,
    runbookBaseUrl: 'https://runbooks.example',
    now: Date.now,
  });
}

function records(from: number, n: number, offset: number): DriftRecord[] {
  const out: DriftRecord[] = [];
  for (let i = from; i < from + n; i++) {
    const e = eventAt(manifest, pool, i);
    const o = String(offset + i);
    out.push({ topic: 'features', partition: 0, offset: o, value: { kind: 'features', value: e.vector }, context: ROOT_CONTEXT });
    out.push({ topic: 'predictions', partition: 0, offset: o, value: { kind: 'prediction', value: e.prediction }, context: ROOT_CONTEXT });
  }
  return out;
}

// 1. The drift processor over VECTORS vectors, with a snapshot serialized after every batch.
const drift = processor();
let reports = 0;
let snapshotBytes = 0;
void snapshotBytes;
gc?.();
const rssStart = rssMb();
const rssSamples: number[] = [];
const heapSamples: number[] = [];
const segmentRates: number[] = [];
// Only apply + snapshot are timed: building the records stands in for the consumer, not the monitor.
let segmentBusy = 0;
let runBusy = 0;
let snapshotMax = 0;
for (let i = 0; i < VECTORS; i += BATCH) {
  const batch = records(i, Math.min(BATCH, VECTORS - i), 0);
  const t0 = performance.now();
  drift.apply(batch);
  reports += drift.pending().reports.length;
  drift.acknowledge();
  snapshotBytes = JSON.stringify(drift.snapshot()).length;
  const busy = performance.now() - t0;
  segmentBusy += busy;
  runBusy += busy;
  snapshotMax = Math.max(snapshotMax, snapshotBytes);
  if ((i + BATCH) % SEGMENT === 0) {
    segmentRates.push(SEGMENT / (segmentBusy / 1000));
    segmentBusy = 0;
    gc?.();
    rssSamples.push(rssMb());
    heapSamples.push(heapMb());
  }
}
const runSeconds = runBusy / 1000;
gc?.();
const rssEnd = rssMb();
const vectorsPerS = median(segmentRates);

// 2. Inference path and drift-with-decoding on the same vectors, in alternating rounds.
const fvType = loadSchema('featureVector').type;
const predType = loadSchema('prediction').type;
const encoded = Array.from({ length: SIDE_VECTORS }, (_, i) => {
  const e = eventAt(manifest, pool, i);
  return { fv: fvType.toBuffer(e.vector), pred: predType.toBuffer(e.prediction), prediction: e.prediction };
});
const model = await loadOnnxModel(`${repoRoot}models/fraud-demo/1`);
const width = model.featureNames.length;
const MODEL_BATCH = 256;
const rows = new Float32Array(MODEL_BATCH * width);

async function inferenceRound(): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < encoded.length; i += MODEL_BATCH) {
    const n = Math.min(MODEL_BATCH, encoded.length - i);
    const batch: FeatureVector[] = [];
    for (let j = 0; j < n; j++) {
      const v = fvType.fromBuffer(encoded[i + j]!.fv) as FeatureVector;
      model.toRow(v.features, rows, j * width);
      batch.push(v);
    }
    const scores = await model.score(rows, n);
    for (let j = 0; j < n; j++) predType.toBuffer({ ...encoded[i + j]!.prediction, score: scores[j] ?? 0 });
  }
  return encoded.length / ((performance.now() - start) / 1000);
}

let sideOffset = 10_000_000;
function driftDecodeRound(p: ReturnType<typeof processor>): number {
  const start = performance.now();
  for (let i = 0; i < encoded.length; i += BATCH) {
    const recs: DriftRecord[] = [];
    for (let j = i; j < Math.min(i + BATCH, encoded.length); j++) {
      const o = String(sideOffset + j);
      const fv = fvType.fromBuffer(encoded[j]!.fv) as FeatureVector;
      const pr = predType.fromBuffer(encoded[j]!.pred) as Prediction;
      // Fresh ids per round, so the join pairs every event again.
      const id = `${sideOffset}-${j}`;
      recs.push({
        topic: 'features',
        partition: 0,
        offset: o,
        value: { kind: 'features', value: { ...fv, event_id: id } },
        context: ROOT_CONTEXT,
      });
      recs.push({
        topic: 'predictions',
        partition: 0,
        offset: o,
        value: { kind: 'prediction', value: { ...pr, event_id: id } },
        context: ROOT_CONTEXT,
      });
    }
    p.apply(recs);
    p.acknowledge();
    JSON.stringify(p.snapshot());
  }
  sideOffset += encoded.length;
  return encoded.length / ((performance.now() - start) / 1000);
}

// The processor alone on already-decoded records (as in part 1), timed in the same alternating
// rounds: on a shared machine the load changes between part 1 and part 2, so only rates measured
// side by side give a fair ratio.
function driftProcessorRound(p: ReturnType<typeof processor>): number {
  let busy = 0;
  for (let i = 0; i < SIDE_VECTORS; i += BATCH) {
    // Built off the clock, batch by batch, exactly as in part 1: they stand in for the consumer.
    const batch = records(i, Math.min(BATCH, SIDE_VECTORS - i), sideOffset).map((r) => withFreshId(r, sideOffset));
    const t0 = performance.now();
    p.apply(batch);
    p.acknowledge();
    JSON.stringify(p.snapshot());
    busy += performance.now() - t0;
  }
  sideOffset += SIDE_VECTORS;
  return SIDE_VECTORS / (busy / 1000);
}

function withFreshId(r: DriftRecord, round: number): DriftRecord {
  const v = r.value;
  if (v.kind === 'features') return { ...r, value: { kind: 'features', value: { ...v.value, event_id: `${round}-${v.value.event_id}` } } };
  if (v.kind === 'prediction')
    return { ...r, value: { kind: 'prediction', value: { ...v.value, event_id: `${round}-${v.value.event_id}` } } };
  return r;
}

await inferenceRound(); // warm-up
const sideDrift = processor();
driftDecodeRound(sideDrift);
driftProcessorRound(sideDrift);
const inferenceRates: number[] = [];
const driftDecodeRates: number[] = [];
const driftProcessorRates: number[] = [];
for (let r = 0; r < SIDE_ROUNDS; r++) {
  inferenceRates.push(await inferenceRound());
  driftDecodeRates.push(driftDecodeRound(sideDrift));
  driftProcessorRates.push(driftProcessorRound(sideDrift));
}
await model.close();
// 3. The pipeline's real prediction rate, measured in this run: what drift-monitor must keep up with.
const pipeline = PIPELINE_EVENTS > 0 ? await measurePipelinePredictionRate(PIPELINE_EVENTS) : undefined;
const inferencePerS = median(inferenceRates);
const driftDecodePerS = median(driftDecodeRates);
const driftProcessorPerS = median(driftProcessorRates);

const f = (x: number): string => Math.round(x).toLocaleString('en-US');
console.log(
  `drift processor: ${f(VECTORS)} vectors x ${features} features in ${runSeconds.toFixed(1)} s, ${reports} window reports; tests: ${TESTS || 'service defaults'}`,
);
console.log(`  vectors/s per 100k segment: ${segmentRates.map(f).join(', ')} (median ${f(vectorsPerS)})`);
console.log(`  rss MB: start ${rssStart}, every 100k: ${rssSamples.join(', ')}, end ${rssEnd}; snapshot up to ${f(snapshotMax)} bytes`);
console.log(`  heap used MB every 100k${gc ? ' (after a full GC)' : ''}: ${heapSamples.join(', ')}`);
console.log(`same vectors, median of ${SIDE_ROUNDS} rounds of ${f(SIDE_VECTORS)}:`);
console.log(`  inference path (avro decode + row + onnx batch ${MODEL_BATCH} + avro encode): ${f(inferencePerS)} rows/s`);
console.log(`  drift path with avro decode of vector and prediction: ${f(driftDecodePerS)} vectors/s`);
console.log(`  drift processor alone (decoded records, as in part 1): ${f(driftProcessorPerS)} vectors/s`);
console.log(
  `  ratio drift/inference: ${(driftDecodePerS / inferencePerS).toFixed(2)}x with decoding, ${(driftProcessorPerS / inferencePerS).toFixed(2)}x processor only (compute alone, no Kafka)`,
);
if (pipeline) {
  const ratio = driftDecodePerS / pipeline.predictionsPerS;
  console.log(
    `pipeline: one inference worker on the dev stack scored ${f(pipeline.predictions)} vectors at ${f(pipeline.predictionsPerS)} predictions/s`,
  );
  console.log(`  ratio drift (with decoding, one core) / pipeline prediction rate: ${ratio.toFixed(2)}x (target >= 3x)`);
  console.log(`  CPU over the worker's run, shares of one core: ${pipeline.workerCpu ? formatCpuSplit(pipeline.workerCpu) : '?'}`);
  const pipe = pipeline.barePipe.msgsPerS;
  console.log(
    `bare kafkajs pipe on the same backlog and broker (worker's consumer settings, median of ${pipeline.barePipeRounds.length}): ${f(pipe)} msgs/s ` +
      `(rounds ${pipeline.barePipeRounds.map(f).join(', ')}); CPU ${formatCpuSplit(pipeline.barePipe.cpu)}`,
  );
  console.log(
    `  ratios to the bare pipe: pipeline predictions ${(pipeline.predictionsPerS / pipe).toFixed(2)}, drift with decoding (one core, no Kafka) ${(driftDecodePerS / pipe).toFixed(2)}`,
  );
}
printBenchResult(
  JSON.stringify({
    bench: 'drift',
    vectors: VECTORS,
    features,
    tests: TESTS || 'defaults',
    vectors_per_s: Math.round(vectorsPerS),
    vectors_per_s_with_decode: Math.round(driftDecodePerS),
    inference_rows_per_s: Math.round(inferencePerS),
    pipeline_events: PIPELINE_EVENTS,
    pipeline_predictions_per_s: pipeline ? Math.round(pipeline.predictionsPerS) : null,
    ratio_vs_pipeline: pipeline ? Math.round((driftDecodePerS / pipeline.predictionsPerS) * 100) / 100 : null,
    pipeline_worker_cpu_shares: pipeline?.workerCpu ? roundedShares(pipeline.workerCpu) : null,
    bare_pipe_msgs_per_s: pipeline ? Math.round(pipeline.barePipe.msgsPerS) : null,
    bare_pipe_rounds: pipeline ? pipeline.barePipeRounds.map(Math.round) : null,
    bare_pipe_cpu_shares: pipeline ? roundedShares(pipeline.barePipe.cpu) : null,
    ratio_pipeline_bare_pipe: pipeline ? Math.round((pipeline.predictionsPerS / pipeline.barePipe.msgsPerS) * 1000) / 1000 : null,
    ratio_drift_bare_pipe: pipeline ? Math.round((driftDecodePerS / pipeline.barePipe.msgsPerS) * 1000) / 1000 : null,
    vectors_per_s_side_by_side: Math.round(driftProcessorPerS),
    ratio_vs_inference: Math.round((driftDecodePerS / inferencePerS) * 100) / 100,
    ratio_processor_vs_inference: Math.round((driftProcessorPerS / inferencePerS) * 100) / 100,
    rss_mb_start: rssStart,
    rss_mb_end: rssEnd,
    rss_mb_samples: rssSamples,
    heap_mb_samples: heapSamples,
    snapshot_bytes_max: snapshotMax,
    window_reports: reports,
  }),
);
