import { cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, type Prediction } from '@tidewater/schemas';
import { avroReader, avroTopicWriter } from '@tidewater/service-runtime';
import { createProducer } from '@tidewater/kafka';
import { createTopics, type RunningService, runService, stackEndpoints, testKafka, uniqueName, waitFor } from '@tidewater/test-support';
import { canarySeed, entityBucket, policyRevision, type ModelStatus } from './repository/index.js';
import { sampleFeatureVectors } from '../test/sample-feature-vectors.js';
import { inferenceWorkerEnv } from '../test/worker-env.js';

// Issue 17, part 3: a policy change made through one replica's admin API reaches every replica.
// Three worker processes share one repository directory, as pods share one volume.

const MODEL = 'fraud-demo';
const TOKEN = 'policy-replicas-token';
const ENTITIES = 300;
const CANARY_PERCENT = 30;
const auth = { authorization: `Bearer ${TOKEN}` };
const workers: RunningService[] = [];
const cleanup: (() => Promise<unknown>)[] = [];
let root: string | undefined;

afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
  await Promise.all(workers.map((w) => w.stop()));
  if (root) await rm(root, { recursive: true, force: true });
});

/** Predictions a worker published to the predictions topic, per version, from its /metrics. */
async function publishedByVersion(w: RunningService): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${w.port}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('tw_inference_predictions_total{') || !line.includes('destination="predictions"')) continue;
    const version = /version="([^"]+)"/.exec(line)?.[1];
    if (version !== undefined) counts[version] = (counts[version] ?? 0) + Number(line.split(' ').at(-1));
  }
  return counts;
}

/** Copies the committed demo model as `<root>/<MODEL>/<version>` (manifest version rewritten), renamed into place when complete. */
async function addVersion(dir: string, version: string): Promise<void> {
  const staging = join(dir, MODEL, `.${version}.tmp`);
  await mkdir(join(dir, MODEL), { recursive: true });
  await cp(join(repoRoot, 'models', MODEL, '1'), staging, { recursive: true });
  const manifest = JSON.parse(await readFile(join(staging, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(staging, 'manifest.json'), JSON.stringify({ ...manifest, version }, null, 2));
  await rename(staging, join(dir, MODEL, version));
}

async function admin(w: RunningService, method: string, path = '', body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`http://127.0.0.1:${w.adminPort}/admin/models/${MODEL}${path}`, {
    method,
    headers: { ...auth, ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, etag: res.headers.get('etag'), body: (await res.json()) as ModelStatus & { code?: string } };
}

/** The version that scores `entityKey` on worker `w`, through OIP with the entity key (routed like the stream's events). */
async function servingVersion(w: RunningService, entityKey: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${w.oipPort}/v2/models/${MODEL}/infer`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({
      inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 8], data: [420, 6.04, 3, 1, 1, 5, 1400, 1.5] }],
      parameters: { entity_key: entityKey },
    }),
  });
  const body = (await res.json()) as { model_version?: string; error?: string };
  if (res.status !== 200 || body.model_version === undefined)
    throw new Error(`infer on :${w.oipPort} answered ${res.status} ${JSON.stringify(body)}`);
  return body.model_version;
}

/** Waits until every worker reports `revision` applied; returns how long each took, in ms. */
async function converged(revision: string, since: number): Promise<number[]> {
  return Promise.all(
    workers.map(async (w, i) => {
      await waitFor(async () => (await admin(w, 'GET')).body.policyRevision === revision, {
        timeoutMs: 15_000,
        what: `worker ${i} to apply policy revision ${revision}`,
      });
      return Date.now() - since;
    }),
  );
}

/** Per entity, the version each worker routes it to. */
async function routes(keys: readonly string[]): Promise<string[][]> {
  const out: string[][] = [];
  for (const key of keys) out.push(await Promise.all(workers.map((w) => servingVersion(w, key))));
  return out;
}

describe('model policy across three inference worker processes', () => {
  it('a canary set through one worker is applied by all three, each entity routed alike everywhere', { timeout: 240_000 }, async () => {
    const { env } = stackEndpoints();
    root = await mkdtemp(join(tmpdir(), 'tw-policy-replicas-'));
    await addVersion(root, '1');
    await addVersion(root, '2');
    const initial = '{"primary": "1"}';
    await writeFile(join(root, MODEL, 'policy.json'), initial);
    const topics = {
      features: uniqueName('features'),
      predictions: uniqueName('pred'),
      shadow: uniqueName('shadow'),
      dlq: uniqueName('dlq'),
    };
    await createTopics(Object.values(topics).map((name) => ({ name, partitions: 3 })));
    const group = uniqueName('inference-policy');
    for (let i = 0; i < 3; i++) {
      workers.push(
        await runService('inference', {
          ...inferenceWorkerEnv(env, topics, group),
          KAFKA_CLIENT_ID: `${group}-${i}`,
          MODEL_REPOSITORY_DIR: root,
          MODEL_REPOSITORY_POLL_MS: '100',
          ADMIN_TOKEN: TOKEN,
        }),
      );
    }
    for (const w of workers) {
      expect((await admin(w, 'GET')).body).toMatchObject({ policyRevision: policyRevision(initial), route: { primary: '1' } });
    }

    // The canary through worker 0 only.
    const startedAt = Date.now();
    const put = await admin(
      workers[0]!,
      'PUT',
      '/policy',
      { primary: '1', canary: { version: '2', percent: CANARY_PERCENT } },
      { 'if-match': `"${policyRevision(initial)}"` },
    );
    expect(put.status).toBe(200);
    const revision = put.body.policyRevision;
    expect(put.etag).toBe(`"${revision}"`);
    expect(revision).toBe(policyRevision(await readFile(join(root, MODEL, 'policy.json'), 'utf8')));
    const took = await converged(revision, startedAt);
    for (const w of workers) {
      expect((await admin(w, 'GET')).body).toMatchObject({
        policySource: 'file',
        route: { primary: '1', canary: { version: '2', percent: CANARY_PERCENT }, shadows: [] },
        missing: [],
      });
    }

    // The same split everywhere: every entity goes to the same version on all three workers, the
    // version the policy's hash picks. The keys are those sampleFeatureVectors gives its events,
    // so the stream below routes the same entities.
    const keys = Array.from({ length: ENTITIES }, (_, i) => `card-${i}`);
    const seen = await routes(keys);
    const seed = canarySeed(MODEL);
    const expected = keys.map((k) => (entityBucket(seed, k) < CANARY_PERCENT * 100 ? '2' : '1'));
    expect(seen.filter((versions) => new Set(versions).size !== 1)).toEqual([]);
    expect(seen.map((versions) => versions[0])).toEqual(expected);
    const canaryShare = expected.filter((v) => v === '2').length / ENTITIES;
    expect(canaryShare).toBeGreaterThan(0.2);
    expect(canaryShare).toBeLessThan(0.4);

    // The stream path too: events of every entity, in rounds until each worker (one partition
    // each once the group settles) has published; every prediction carries the version the split
    // picks for its entity, whichever worker scored it, and each worker published both versions.
    const registry = new SchemaRegistryClient({ baseURLs: [env['SCHEMA_REGISTRY_URL']!] });
    const writer = await avroTopicWriter(registry, topics.features, 'featureVector', true);
    const kafka = testKafka();
    const producer = createProducer({ kafka });
    await producer.start();
    cleanup.push(() => producer.close());
    const reader = avroReader(registry, 'prediction');
    const predictions: Prediction[] = [];
    const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 100 });
    await consumer.connect();
    cleanup.push(() => consumer.disconnect());
    await consumer.subscribe({ topics: [topics.predictions], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        await reader.prepare(batch.messages.map((m) => m.value));
        for (const m of batch.messages) predictions.push(reader.decode(m.value!) as Prediction);
      },
    });
    let sent = 0;
    const perWorker = await waitFor(
      async () => {
        const counts = await Promise.all(workers.map(publishedByVersion));
        // Distinct events: a rebalance may redeliver a batch (at-least-once), with the same event and version.
        const scored = new Set(predictions.map((p) => p.event_id)).size;
        if (counts.every((c) => (c['1'] ?? 0) > 0 && (c['2'] ?? 0) > 0) && scored === sent) return counts;
        if (scored < sent) return undefined;
        const round = sampleFeatureVectors(ENTITIES, { prefix: uniqueName('round'), entities: ENTITIES });
        await producer.send(
          topics.features,
          round.map((v) => ({ key: writer.key.encode(v.entity_key), value: writer.value.encode(v) })),
        );
        sent += round.length;
        return undefined;
      },
      {
        timeoutMs: 90_000,
        intervalMs: 250,
        what: () => `every worker to publish both versions (${predictions.length}/${sent} predictions)`,
      },
    );
    const wanted = new Map(keys.map((k, i) => [k, expected[i]]));
    expect(predictions.filter((p) => p.model_version !== wanted.get(p.entity_key)).slice(0, 5)).toEqual([]);
    expect(perWorker.reduce((n, c) => n + (c['1'] ?? 0) + (c['2'] ?? 0), 0)).toBeGreaterThanOrEqual(sent);

    // A change built on the old revision, through worker 1, is refused; nothing moves.
    const stale = await admin(workers[1]!, 'POST', '/promote', { version: '2' }, { 'if-match': `"${policyRevision(initial)}"` });
    expect([stale.status, stale.body.code]).toEqual([409, 'TW_MODEL_POLICY_CONFLICT']);
    expect(policyRevision(await readFile(join(root, MODEL, 'policy.json'), 'utf8'))).toBe(revision);

    // Promote through worker 2, on the current revision: all three serve version 2 only.
    const promotedAt = Date.now();
    const promoted = await admin(workers[2]!, 'POST', '/promote', { version: '2' }, { 'if-match': `"${revision}"` });
    expect(promoted.status).toBe(200);
    const tookPromote = await converged(promoted.body.policyRevision, promotedAt);
    for (const w of workers) expect((await admin(w, 'GET')).body.route).toEqual({ primary: '2', shadows: [] });
    const after = await routes(keys.slice(0, 50));
    expect(after.flat().every((v) => v === '2')).toBe(true);

    console.info(
      `policy-replicas: canary ${CANARY_PERCENT}% applied by 3 workers in ${took.join('/')} ms, ` +
        `${expected.filter((v) => v === '2').length}/${ENTITIES} entities on the canary, identical on every worker; ` +
        `stream: ${predictions.length} predictions all on their entity's version, per worker ${JSON.stringify(perWorker)}; ` +
        `promote applied in ${tookPromote.join('/')} ms`,
    );
  });
});
