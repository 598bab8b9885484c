import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { repoRoot } from '@tidewater/schemas';
import { createTopics, type RunningService, uniqueName } from '@tidewater/test-support';
import { privateTopics, serviceProcessEnv, startServiceProcesses } from './pipeline-fixture.js';

const run = promisify(execFile);

// Issue 20, part 6: every HTTP API fuzzed from its OpenAPI document by schemathesis (pinned in
// test/fuzz/requirements.txt), against the services running as processes on the dev stack. A 5xx, a
// response that violates its documented schema, a wrong method not answered 405, or a 405 without a
// correct Allow header fails the API's test; the report names the request that did it.
const venv = join(repoRoot, '.tidewater', 'venv-fuzz');
const reports = join(repoRoot, '.tidewater', 'test-logs', 'schemathesis');
const checks = ['not_a_server_error', 'response_schema_conformance', 'unsupported_method', 'allow_header_conformance'];
// Bounded so the four runs take well under two minutes on the shared 2-core machine; the seed makes a
// failure reproducible with the command the test prints.
// TIDEWATER_FUZZ_EXAMPLES and TIDEWATER_FUZZ_SEED run it deeper or elsewhere by hand.
const maxExamples = Number(process.env['TIDEWATER_FUZZ_EXAMPLES'] ?? 30);
const seed = Number(process.env['TIDEWATER_FUZZ_SEED'] ?? 20);
const apiKey = `fuzz-${randomUUID()}`;
// The bearer token of inference's and alerting's API ports (ADMIN_TOKEN): the fuzzer sends it with every request.
const adminToken = `fuzz-admin-${randomUUID()}`;

// Which port serves each API (issue 17): `ops` that of /metrics and the open APIs, `admin` ADMIN_HTTP_PORT, `oip` OIP_HTTP_PORT.
const apis = [
  { service: 'ingestion', spec: 'services/ingestion/openapi.yaml', on: 'ops', headers: [`x-api-key: ${apiKey}`] },
  { service: 'feature', spec: 'services/feature/openapi.yaml', on: 'ops', headers: [] },
  { service: 'inference', spec: 'services/inference/openapi-oip.yaml', on: 'oip', headers: [`authorization: Bearer ${adminToken}`] },
  { service: 'alerting', spec: 'services/alerting/openapi-silences.yaml', on: 'admin', headers: [`authorization: Bearer ${adminToken}`] },
] as const;

describe('schemathesis against every HTTP API on the dev stack', () => {
  const prefix = uniqueName('fuzz');
  const topics = privateTopics(prefix);
  const services = new Map<string, RunningService>();

  beforeAll(async () => {
    // The venv is built once (about a minute from PyPI) and reused while the requirements are unchanged.
    await run('bash', [join(repoRoot, 'test/fuzz/ensure-venv.sh')], { timeout: 300_000 });
    mkdirSync(reports, { recursive: true });
    await createTopics(Object.values(topics).map((name) => ({ name, partitions: 1 })));
    const env = serviceProcessEnv(prefix, topics, {
      API_KEYS: `fuzz:${createHash('sha256').update(apiKey).digest('hex')}`,
      ADMIN_TOKEN: adminToken,
      RATE_LIMIT_BURST: '1000000',
      RATE_LIMIT_PER_SECOND: '1000000',
      ALERTING_CONFIG_FILE: `${repoRoot}deploy/alerting.dev.yaml`,
      // Nothing is delivered (no alert fires); the receiver only needs a well-formed URL.
      SLACK_WEBHOOK_URL: 'http://127.0.0.1:9/',
      LOG_LEVEL: 'warn',
      SHUTDOWN_TIMEOUT_MS: '10000',
    });
    const started = await startServiceProcesses(
      apis.map((a) => a.service),
      env,
      prefix,
    );
    for (const s of started) services.set(s.name, s);
    // One event through ingestion and feature, so that the documents' example entity (card-1) is stored and
    // the fuzzer checks found vectors against their schema too, not only 404s.
    const url = (service: string, path: string) => `http://127.0.0.1:${services.get(service)!.port}${path}`;
    const sent = await fetch(url('ingestion', '/v1/events'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: JSON.stringify({
        event_id: `${prefix}-seed`,
        occurred_at: new Date().toISOString(),
        card_id: 'card-1',
        amount: 12.5,
        currency: 'EUR',
        merchant_id: 'm-1',
        merchant_category: '5411',
        country: 'DE',
        channel: 'ecom',
      }),
    });
    expect(sent.status).toBe(200);
    await vi.waitFor(
      async () => {
        const found = await fetch(url('feature', '/v1/features/card-1'));
        if (found.status !== 200) throw new Error(`feature has no vector for card-1 yet (${found.status})`);
      },
      { timeout: 60_000, interval: 250 },
    );
  }, 420_000);

  afterAll(async () => {
    for (const s of services.values()) await s.stop();
  });

  for (const { service, spec, on, headers } of apis) {
    it(
      `${service}: ${spec} finds no 5xx and no response outside its schema`,
      async () => {
        const running = services.get(service)!;
        const port = { ops: running.port, admin: running.adminPort, oip: running.oipPort }[on];
        const args = [
          'run',
          join(repoRoot, spec),
          '--url',
          `http://127.0.0.1:${port}`,
          '--checks',
          checks.join(','),
          '--max-examples',
          String(maxExamples),
          '--seed',
          String(seed),
          '--workers',
          '1',
          '--request-timeout',
          '10',
          '--report',
          'junit',
          '--report-junit-path',
          join(reports, `${service}.xml`),
          ...headers.flatMap((h) => ['--header', h]),
        ];
        // Run from the reports directory: schemathesis keeps a `.schemathesis` cache in its working directory.
        const result = await run(join(venv, 'bin', 'st'), args, {
          cwd: reports,
          timeout: 150_000 * Math.max(1, maxExamples / 30),
          maxBuffer: 16 * 1024 * 1024,
        }).then(
          ({ stdout }) => ({ code: 0, stdout }),
          (err: { code?: number; stdout?: string; stderr?: string }) => ({
            code: err.code ?? -1,
            stdout: `${err.stdout ?? ''}${err.stderr ?? ''}`,
          }),
        );
        // The tail holds schemathesis's summary: each failed check with a curl command reproducing it.
        expect(result.code, `st ${args.join(' ')}\n${result.stdout.slice(-6000)}`).toBe(0);
        expect(services.get(service)!.child.exitCode, `${service} died under the fuzzer`).toBeNull();
      },
      180_000 * Math.max(1, maxExamples / 30),
    );
  }
});
