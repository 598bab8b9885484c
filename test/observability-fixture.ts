import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse, stringify } from 'yaml';
import { createSlackCapture, startObservability, stopObservability, type StackState } from '@tidewater/dev-stack';
import { repoRoot } from '@tidewater/schemas';

export type Observability = NonNullable<StackState['observability']>;

/** The lag alert's timing in the copy of the rules a test loads: `for: 15m` over `[10m]` cannot fit in a test. */
export const scaledLagAlert = { name: 'TidewaterConsumerLagGrowing', forSeconds: 30, range: '1m' } as const;

/**
 * The shipped rules, unchanged but for the consumer-lag alert, whose `for:` and `deriv` range are
 * scaled down so that a test can watch it fire; every other rule is loaded as shipped.
 */
function scaledRules(dir: string): string {
  const source = join(repoRoot, 'deploy/prometheus/rules');
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync(source).filter((f) => f.endsWith('.yml'))) {
    const doc = parse(readFileSync(join(source, file), 'utf8')) as {
      groups: { rules: { alert?: string; expr: string; for?: string }[] }[];
    };
    let changed = false;
    for (const rule of doc.groups.flatMap((g) => g.rules)) {
      if (rule.alert !== scaledLagAlert.name) continue;
      rule.for = `${scaledLagAlert.forSeconds}s`;
      rule.expr = rule.expr.replace(/\[10m\]/g, `[${scaledLagAlert.range}]`);
      changed = true;
    }
    if (changed) writeFileSync(join(dir, file), stringify(doc));
    else copyFileSync(join(source, file), join(dir, file));
  }
  return dir;
}

/** Prometheus, Alertmanager (posting to a Slack capture of its own) and Jaeger for one test file. */
export async function startTestObservability(): Promise<{ obs: Observability; dir: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'tw-test-observability-'));
  const slack = createSlackCapture({ captureFile: join(dir, 'platform-slack.jsonl') });
  await slack.listen({ host: '127.0.0.1', port: 0 });
  const port = (slack.server.address() as { port: number }).port;
  const obs = await startObservability(dir, `http://127.0.0.1:${port}/`, undefined, scaledRules(join(dir, 'rules'))).catch(
    async (err: unknown) => {
      await slack.close();
      throw err;
    },
  );
  return {
    obs,
    dir,
    async close() {
      await stopObservability(obs);
      await slack.close();
    },
  };
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return (await res.json()) as T;
}

/** An instant PromQL query's result. */
export async function promQuery(obs: Observability, query: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const r = await getJson<{ data: { result: { metric: Record<string, string>; value: [number, string] }[] } }>(
    `${obs.prometheus.url}/api/v1/query?query=${encodeURIComponent(query)}`,
  );
  return r.data.result;
}

/** Polls `probe` until it returns a value, failing with `what` after `timeoutMs`. */
export async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(500);
  }
}
