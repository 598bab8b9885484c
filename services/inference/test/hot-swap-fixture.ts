import { cp, mkdir, mkdtemp, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KafkaClient } from '@tidewater/kafka';
import { repoRoot } from '@tidewater/schemas';
import type { Scorer } from '../src/batching/dynamic-batcher.js';
import type { LoadedModel } from '../src/model/index.js';
import type { ModelLease, ModelRouter } from '../src/model-routing.js';
import { POLICY_FILE, type ModelRepository, type TrafficPolicy } from '../src/repository/index.js';

/** Test support for hot-swap.int.test.ts: a temp model repository, a lease-counting router, a topic collector. */

const demoDir = `${repoRoot}models/fraud-demo/1`;

/** A temp repository root; versions are added with addDemoVersion. */
export function tempRepositoryRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tw-hotswap-'));
}

/**
 * Copies the demo model as `<root>/<name>/<version>` with the manifest's version rewritten (the
 * ONNX file and its sha256 stay the same). Written under a dot name and renamed, so the watcher
 * never sees a half-copied version (names with a dot are not versions).
 */
export async function addDemoVersion(root: string, name: string, version: string): Promise<void> {
  const staging = join(root, name, `.${version}.tmp`);
  await mkdir(join(root, name), { recursive: true });
  await cp(demoDir, staging, { recursive: true });
  const manifest = JSON.parse(await readFile(join(staging, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(staging, 'manifest.json'), JSON.stringify({ ...manifest, name, version }, null, 2));
  await rename(staging, join(root, name, version));
}

/** Replaces policy.json atomically (write + rename), as an operator's deploy tool would. */
export async function writePolicy(root: string, name: string, policy: Partial<TrafficPolicy>): Promise<void> {
  const staging = join(root, name, `.${POLICY_FILE}.tmp`);
  await writeFile(staging, JSON.stringify(policy));
  await rename(staging, join(root, name, POLICY_FILE));
}

export async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const list = groups.get(key(item));
    if (list) list.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

/**
 * The repository as the app's router, counting the leases out per loaded session (serving and
 * shadow), so a test can tell whether a version's session was closed while a batch still held it.
 */
export function leaseCountingRouter(repo: ModelRepository): { router: ModelRouter; held: (model: LoadedModel) => number } {
  const held = new Map<LoadedModel, number>();
  const add = (m: LoadedModel, d: number): void => void held.set(m, (held.get(m) ?? 0) + d);
  const track = (lease: ModelLease): ModelLease => {
    const models = [lease.serving, ...lease.shadows];
    for (const m of models) add(m, 1);
    let released = false;
    return {
      serving: lease.serving,
      shadows: lease.shadows,
      release() {
        if (released) return;
        released = true;
        for (const m of models) add(m, -1);
        lease.release();
      },
    };
  };
  return {
    router: {
      acquire: (name, key) => track(repo.acquire(name, key)),
      acquireVersion: (name, version) => {
        const lease = repo.acquireVersion(name, version);
        return lease && track(lease);
      },
    },
    held: (model) => held.get(model) ?? 0,
  };
}

/**
 * A scorer (the app's `scorer` dep) whose runs of one version can be held at a gate: lets a test
 * keep that version's batches, and so their leases, in flight for as long as it needs.
 */
export function gatedScorer(version: string) {
  let gate: Promise<void> | undefined;
  let openGate = (): void => undefined;
  let waiting = 0;
  let model: LoadedModel | undefined;
  const scorer: Scorer = async (m, rows, n) => {
    if (m.manifest.version === version) {
      model = m;
      if (gate) {
        waiting++;
        await gate;
        waiting--;
      }
    }
    return m.score(rows, n);
  };
  return {
    scorer,
    hold(): void {
      gate = new Promise((resolve) => (openGate = resolve));
    },
    release(): void {
      gate = undefined;
      openGate();
    },
    /** Runs of the version waiting at the gate. */
    waiting: () => waiting,
    /** The version's session, once it has scored. */
    model: () => model,
  };
}

export interface CollectedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly value: Buffer;
}

/** Reads every record of `topics` from the beginning while the test runs. */
export async function collectTopics(
  kafka: KafkaClient,
  groupId: string,
  topics: readonly string[],
): Promise<{ records: CollectedRecord[]; count: (topic: string) => number; stop: () => Promise<void> }> {
  const records: CollectedRecord[] = [];
  const counts = new Map<string, number>();
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topics: [...topics], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      records.push({ topic, partition, value: message.value! });
      counts.set(topic, (counts.get(topic) ?? 0) + 1);
    },
  });
  return { records, count: (topic) => counts.get(topic) ?? 0, stop: () => consumer.disconnect() };
}
