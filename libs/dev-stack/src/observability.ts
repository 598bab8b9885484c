import { existsSync, mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@tidewater/schemas';
import { freePort, httpOk, isAlive, spawnDetached, stopProcess, waitUntil } from './detached-process.js';
import { stackErrors } from './errors.js';
import { ensureJaeger } from './jaeger-binary.js';
import type { ServiceState, StackState } from './stack-layout.js';

type Observability = NonNullable<StackState['observability']>;

const rulesDir = join(repoRoot, 'deploy', 'prometheus', 'rules');
/** Short intervals so a dev stack shows a platform alert within seconds of its `for:` window. */
const scrapeInterval = '5s';

const files = (dir: string) => ({
  root: join(dir, 'observability'),
  prometheusConfig: join(dir, 'observability', 'prometheus.yml'),
  targets: join(dir, 'observability', 'tidewater-targets.json'),
  prometheusData: join(dir, 'observability', 'prometheus-data'),
  alertmanagerConfig: join(dir, 'observability', 'alertmanager.yml'),
  alertmanagerData: join(dir, 'observability', 'alertmanager-data'),
  jaegerConfig: join(dir, 'observability', 'jaeger.yaml'),
  logs: join(dir, 'logs'),
});

// Prometheus, Alertmanager and Jaeger read YAML, of which JSON is a subset.
const stringify = (config: unknown) => JSON.stringify(config, null, 2);

function writeAtomically(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

/**
 * Writes the services as Prometheus file-based service discovery targets; Prometheus rereads the
 * file on change, so services started after it are scraped within a scrape interval.
 */
export function writeScrapeTargets(dir: string, services: readonly ServiceState[]): void {
  const targets = services.map((s) => ({ targets: [`127.0.0.1:${s.port}`], labels: { instance: `${s.name}:${s.port}` } }));
  writeAtomically(files(dir).targets, JSON.stringify(targets, null, 2));
}

/** The Slack channel platform alerts go to: the stack's Slack capture, or SLACK_WEBHOOK_URL. */
function alertmanagerConfig(slackUrl: string): string {
  return stringify({
    route: { receiver: 'slack', group_by: ['alertname', 'tw_service'], group_wait: '1s', group_interval: '5s', repeat_interval: '1h' },
    receivers: [
      {
        name: 'slack',
        slack_configs: [
          {
            api_url: slackUrl,
            channel: '#tidewater-platform',
            send_resolved: true,
            title: '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}',
            text: '{{ range .Alerts }}{{ .Annotations.summary }} {{ .Annotations.runbook_url }}\n{{ end }}',
          },
        ],
      },
    ],
  });
}

function prometheusConfig(dir: string, alertmanagerUrl: string, rules: string): string {
  return stringify({
    global: { scrape_interval: scrapeInterval, evaluation_interval: scrapeInterval },
    rule_files: [join(rules, '*.yml')],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [new URL(alertmanagerUrl).host] }] }] },
    scrape_configs: [{ job_name: 'tidewater', file_sd_configs: [{ files: [files(dir).targets], refresh_interval: '5s' }] }],
  });
}

function jaegerConfig(otlpPort: number, uiPort: number): string {
  // Jaeger v2 is an OpenTelemetry Collector: OTLP in, in-memory storage, query UI and API.
  return stringify({
    service: {
      extensions: ['jaeger_storage', 'jaeger_query'],
      pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] } },
      telemetry: { metrics: { level: 'none' } },
    },
    extensions: {
      jaeger_query: { storage: { traces: 'memstore' }, http: { endpoint: `127.0.0.1:${uiPort}` }, grpc: { endpoint: '127.0.0.1:0' } },
      jaeger_storage: { backends: { memstore: { memory: { max_traces: 100_000 } } } },
    },
    receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${otlpPort}` } } } },
    processors: { batch: {} },
    exporters: { jaeger_storage_exporter: { trace_storage: 'memstore' } },
  });
}

function binary(name: string): string {
  for (const dir of (process.env['PATH'] ?? '').split(':')) if (dir && existsSync(join(dir, name))) return join(dir, name);
  throw stackErrors.create(
    'TW_STACK_START_FAILED',
    `${name} is not installed (sudo apt-get install -y prometheus prometheus-alertmanager)`,
  );
}

/**
 * Starts the observability stack beside the dev stack: a trace backend with a UI (Jaeger v2, built
 * from the Go module proxy once and cached), Alertmanager routing platform alerts to `slackUrl`, and
 * Prometheus with the shipped rules, scraping the services listed by `writeScrapeTargets`.
 */
export async function startObservability(
  dir: string,
  slackUrl: string,
  log?: (line: string) => void,
  rules: string = rulesDir,
): Promise<Observability> {
  const f = files(dir);
  mkdirSync(f.root, { recursive: true });
  mkdirSync(f.logs, { recursive: true });
  const started: number[] = [];
  try {
    const jaegerBin = await ensureJaeger(log);
    const [otlpPort, uiPort, amPort, promPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    writeFileSync(f.jaegerConfig, jaegerConfig(otlpPort, uiPort));
    const jaegerLog = join(f.logs, 'jaeger.log');
    const jaegerPid = spawnDetached(jaegerBin, ['--config', f.jaegerConfig], { cwd: f.root, env: process.env, logFile: jaegerLog });
    started.push(jaegerPid);

    writeFileSync(f.alertmanagerConfig, alertmanagerConfig(slackUrl));
    const amLog = join(f.logs, 'alertmanager.log');
    const amPid = spawnDetached(
      binary('prometheus-alertmanager'),
      [
        `--config.file=${f.alertmanagerConfig}`,
        `--storage.path=${f.alertmanagerData}`,
        `--web.listen-address=127.0.0.1:${amPort}`,
        // One instance: no gossip port to collide with another stack's.
        '--cluster.listen-address=',
      ],
      { cwd: f.root, env: process.env, logFile: amLog },
    );
    started.push(amPid);
    const alertmanagerUrl = `http://127.0.0.1:${amPort}`;

    writeScrapeTargets(dir, []);
    writeFileSync(f.prometheusConfig, prometheusConfig(dir, alertmanagerUrl, rules));
    const promLog = join(f.logs, 'prometheus.log');
    const promPid = spawnDetached(
      binary('prometheus'),
      [
        `--config.file=${f.prometheusConfig}`,
        `--storage.tsdb.path=${f.prometheusData}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--storage.tsdb.retention.time=1d',
        // A firing alert reaches Alertmanager within seconds of its evaluation, not the default minute.
        '--rules.alert.resend-delay=5s',
      ],
      { cwd: f.root, env: process.env, logFile: promLog },
    );
    started.push(promPid);
    const prometheusUrl = `http://127.0.0.1:${promPort}`;
    const jaegerUrl = `http://127.0.0.1:${uiPort}`;

    await Promise.all([
      waitUntil(
        `Jaeger (log: ${jaegerLog})`,
        () => httpOk(`${jaegerUrl}/api/services`),
        60_000,
        () => isAlive(jaegerPid),
      ),
      waitUntil(
        `Alertmanager (log: ${amLog})`,
        () => httpOk(`${alertmanagerUrl}/-/ready`),
        30_000,
        () => isAlive(amPid),
      ),
      waitUntil(
        `Prometheus (log: ${promLog})`,
        () => httpOk(`${prometheusUrl}/-/ready`),
        60_000,
        () => isAlive(promPid),
      ),
    ]);
    return {
      prometheus: { pid: promPid, url: prometheusUrl, logFile: promLog },
      alertmanager: { pid: amPid, url: alertmanagerUrl, logFile: amLog },
      jaeger: { pid: jaegerPid, url: jaegerUrl, otlpTracesEndpoint: `http://127.0.0.1:${otlpPort}/v1/traces`, logFile: jaegerLog },
    };
  } catch (err) {
    await Promise.all(started.map((pid) => stopProcess(pid, 3000)));
    throw err;
  }
}

/** The services' OTEL_* settings that send their spans to the stack's Jaeger. */
export function otelEnv(o: Observability): Record<string, string> {
  return {
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: o.jaeger.otlpTracesEndpoint,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
    OTEL_BSP_SCHEDULE_DELAY: '500',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=dev',
  };
}

export async function stopObservability(o: Observability | undefined): Promise<string[]> {
  if (!o) return [];
  const stopped: string[] = [];
  for (const [name, pid] of [
    ['prometheus', o.prometheus.pid],
    ['alertmanager', o.alertmanager.pid],
    ['jaeger', o.jaeger.pid],
  ] as const) {
    if ((await stopProcess(pid, 5000)) !== 'absent') stopped.push(name);
  }
  return stopped;
}
