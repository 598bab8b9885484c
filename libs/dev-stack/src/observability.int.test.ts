import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsRegistry, createOpsServer } from '@tidewater/ops-server';
import { repoRoot } from '@tidewater/schemas';
import { startObservability, stopObservability, writeScrapeTargets } from './observability.js';
import { createSlackCapture } from './slack-capture-server.js';
import type { StackState } from './stack-layout.js';

/** Polls `probe` until it returns a value, failing with `what` after `timeoutMs`. */
async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

const getJson = async <T>(url: string): Promise<T> => (await fetch(url)).json() as Promise<T>;

describe('the observability stack (stack up --observability)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-observability-'));
  const slack = createSlackCapture({ captureFile: join(dir, 'slack.jsonl') });
  // A stand-in service: the ops server every service runs, with its metrics.
  const service = createOpsServer({ registry: createMetricsRegistry('ingestion'), readiness: {}, logger: pino({ level: 'silent' }) });
  let obs: NonNullable<StackState['observability']>;

  beforeAll(async () => {
    await slack.listen({ host: '127.0.0.1', port: 0 });
    await service.app.listen({ host: '127.0.0.1', port: 0 });
    const slackPort = (slack.server.address() as { port: number }).port;
    obs = await startObservability(dir, `http://127.0.0.1:${slackPort}/`);
    const servicePort = (service.app.server.address() as { port: number }).port;
    writeScrapeTargets(dir, [{ name: 'ingestion', pid: process.pid, port: servicePort, logFile: '' }]);
  }, 120_000);

  afterAll(async () => {
    await stopObservability(obs);
    await service.app.close();
    await slack.close();
  });

  it('loads every shipped rule into Prometheus, all evaluating without error', async () => {
    const shipped = readdirSync(join(repoRoot, 'deploy/prometheus/rules'))
      .filter((f) => f.endsWith('.yml'))
      .map((f) => readFileSync(join(repoRoot, 'deploy/prometheus/rules', f), 'utf8').match(/^\s+- (record|alert):/gm)?.length ?? 0)
      .reduce((a, b) => a + b, 0);
    type Rules = { data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] } };
    const rules = await eventually('rules evaluated once', 30_000, async () => {
      const r = (await getJson<Rules>(`${obs.prometheus.url}/api/v1/rules`)).data.groups.flatMap((g) => g.rules);
      return r.length > 0 && r.every((x) => x.health !== 'unknown') ? r : undefined;
    });
    expect(shipped).toBeGreaterThan(10);
    expect(rules).toHaveLength(shipped);
    expect(rules.filter((r) => r.health !== 'ok')).toEqual([]);
  });

  it('scrapes the services written as targets, with their tw_service label', async () => {
    type Query = { data: { result: { metric: Record<string, string> }[] } };
    const result = await eventually('tw_build_info scraped', 30_000, async () => {
      const r = (await getJson<Query>(`${obs.prometheus.url}/api/v1/query?query=tw_build_info`)).data.result;
      return r.length > 0 ? r : undefined;
    });
    expect(result[0]?.metric).toMatchObject({ tw_service: 'ingestion', job: 'tidewater' });
  });

  it('routes a firing platform alert through Alertmanager to Slack (the Watchdog)', async () => {
    const message = await eventually('the Watchdog in Slack', 60_000, async () => {
      const messages = (await slack.inject('/messages')).json<{ text: string }[]>();
      return messages.find((m) => m.text.includes('Watchdog'));
    });
    expect(message.text).toContain('[FIRING] Watchdog');
    expect(message.text).toContain('docs/runbooks/Watchdog.md');
  });

  it('takes OTLP traces and serves them from the trace API', async () => {
    const traceId = '5b8efff798038103d269b633813fc60c';
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'tidewater-ingestion' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId,
                  spanId: 'eee19b7ec3c1b174',
                  name: 'send events.valid',
                  kind: 4,
                  startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
                  endTimeUnixNano: String(BigInt(Date.now() + 3) * 1_000_000n),
                },
              ],
            },
          ],
        },
      ],
    };
    const sent = await fetch(obs.jaeger.otlpTracesEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(sent.status).toBe(200);
    type Traces = { data?: { spans: { operationName: string }[] }[] };
    const trace = await eventually('the trace in Jaeger', 30_000, async () => {
      const t = await getJson<Traces>(`${obs.jaeger.url}/api/traces/${traceId}`);
      return t.data?.[0];
    });
    expect(trace.spans.map((s) => s.operationName)).toEqual(['send events.valid']);
  });
});
