import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSlackCapture, demoEvents, otelEnv, writeScrapeTargets, type DemoEvent } from '@tidewater/dev-stack';
import { createProducer, deadLetterHeaders } from '@tidewater/kafka';
import { repoRoot } from '@tidewater/schemas';
import { createTopics, type RunningService, stackEndpoints, testKafka, uniqueName } from '@tidewater/test-support';
import { eventually, getJson, promQuery, scaledLagAlert, startTestObservability } from './observability-fixture.js';
import { privateTopics, serviceProcessEnv, startServiceProcesses, watchPrivateTopics } from './pipeline-fixture.js';

/**
 * The walking skeleton end to end: raw JSON events (some malformed) through all five services
 * as separate processes over the real stack, watched by the observability stack (Prometheus with
 * the shipped rules, Alertmanager, Jaeger). Every event must end in exactly one of predictions or
 * the dead-letter topic, one event's spans in every service must share one trace in Jaeger, and a
 * stopped service's consumer lag must page through Prometheus and Alertmanager.
 */
describe('pipeline end to end', () => {
  const prefix = uniqueName('e2e');
  const topics = privateTopics(prefix);
  const services: RunningService[] = [];
  const slack = createSlackCapture({ captureFile: `/tmp/${prefix}-slack.jsonl` });
  let observability: Awaited<ReturnType<typeof startTestObservability>>;
  let watcher: ReturnType<typeof watchPrivateTopics>;
  let events: DemoEvent[];
  const exitCodes: (number | null)[] = [];

  beforeAll(async () => {
    await createTopics(Object.values(topics).map((name) => ({ name, partitions: name.endsWith('dlq') ? 1 : 6 })));
    observability = await startTestObservability();
    await slack.listen({ host: '127.0.0.1', port: 0 });
    const slackAddress = slack.server.address();
    const slackPort = typeof slackAddress === 'object' && slackAddress ? slackAddress.port : 0;
    const env = serviceProcessEnv(prefix, topics, {
      SLACK_WEBHOOK_URL: `http://127.0.0.1:${slackPort}/`,
      DRIFT_WINDOW_SIZE: '200',
      ALERTING_CONFIG_FILE: `${repoRoot}deploy/alerting.dev.yaml`,
      ALERTING_TICK_MS: '200',
      // The cluster-wide lag probe (in alerting) reports this test's groups.
      LAG_PROBE_GROUP_PATTERN: `^${prefix}-`,
      ...otelEnv(observability.obs),
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
    const names = ['alerting', 'drift-monitor', 'inference', 'feature', 'ingestion'];
    services.push(...(await startServiceProcesses(names, env, prefix)));
    writeScrapeTargets(
      observability.dir,
      services.map((s) => ({ name: s.name, pid: s.child.pid ?? 0, port: s.port, logFile: s.logFile })),
    );
    watcher = watchPrivateTopics(topics);
    await watcher.start();
  }, 240_000);

  afterAll(async () => {
    try {
      await watcher?.stop();
      for (const s of services) await s.stop();
      await slack.close();
    } finally {
      // Detached processes: they would outlive the run if anything above failed.
      await observability?.close();
    }
  });

  const slackMessages = async () => (await slack.inject('/messages')).json<{ text: string }[]>();

  it('sends every event to exactly one of predictions or the dead-letter topic', async () => {
    // Three stretches sent one after another, as time would: normal, drifted (ticket sizes x6), normal.
    events = demoEvents({ count: 1200, runId: prefix, malformedShare: 0.04, driftFrom: 1 / 3, driftTo: 2 / 3 });
    const producer = createProducer({ kafka: testKafka() });
    await producer.start();
    const out = watcher.outputs;
    const accounted = () => new Set(out.predictions.map((p) => p.event_id)).size + out.deadLetters.length;
    for (let sent = 0; sent < events.length; sent += 400) {
      await producer.send(
        topics.TOPIC_EVENTS_RAW,
        events.slice(sent, sent + 400).map((e) => ({ key: e.key, value: e.value })),
      );
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && accounted() < sent + 400) await sleep(250);
      // Time passes between stretches in production: the drift alert reaches Slack (after its
      // group_wait) before the clean stretch resolves it. Without this wait a fast pipeline
      // resolves the alert within group_wait, and Alertmanager semantics then send nothing.
      if (sent === 400) {
        const slackDeadline = Date.now() + 30_000;
        while (Date.now() < slackDeadline && (await slackMessages()).length === 0) await sleep(250);
      }
    }
    await producer.close();
    const malformed = events.filter((e) => e.malformed);

    const predicted = new Set(out.predictions.map((p) => p.event_id));
    expect(malformed.length).toBeGreaterThan(10);
    expect(out.deadLetters).toHaveLength(malformed.length);
    expect(predicted.size).toBe(events.length - malformed.length);
    // Dead letters carry the original bytes and a stable code; none of them was also scored.
    const original = new Set(malformed.map((e) => e.value.toString('base64')));
    for (const d of out.deadLetters) {
      expect(original.has(d.value!.toString('base64'))).toBe(true);
      expect(d.code).toMatch(/^TW_INGEST_/);
      expect(d.headers[deadLetterHeaders.sourceTopic]?.toString()).toBe(topics.TOPIC_EVENTS_RAW);
    }
    for (const e of events.filter((x) => !x.malformed)) expect(predicted.has(JSON.parse(e.value.toString()).event_id)).toBe(true);
    // Lineage: the model that scored each prediction.
    expect(new Set(out.predictions.map((p) => `${p.model_name}@${p.model_version}`))).toEqual(new Set(['fraud-demo@1']));
  }, 120_000);

  it('raises a drift alert for the drifted stretch, resolves it after, and posts both to Slack', async () => {
    const out = watcher.outputs;
    const deadline = Date.now() + 30_000;
    // About 1150 predictions in windows of 200: five closed windows.
    while (Date.now() < deadline && (out.reports.length < 5 || !out.alerts.some((a) => a.status === 'resolved'))) await sleep(250);
    expect(out.reports.length).toBe(5);
    out.reports.sort((a, b) => a.window_start - b.window_start);
    const firing = out.alerts.find((a) => a.status === 'firing');
    const summary = out.reports
      .map(
        (r) =>
          `${r.drifted}:${r.features
            .filter((f) => f.drifted)
            .map((f) => f.feature)
            .join('+')}`,
      )
      .join(' | ');
    expect(firing?.labels, summary).toMatchObject({ alertname: 'ModelDriftDetected', model: 'fraud-demo', model_version: '1' });
    // The first window holds only undrifted traffic; a later one flags the amount features and the
    // new country, through the whole pipeline (ingestion, feature, inference, drift-monitor).
    expect(out.reports[0]!.drifted, summary).toBe(false);
    const flagged = (r: (typeof out.reports)[number], feature: string) => r.features.find((f) => f.feature === feature)?.drifted;
    const drifted = out.reports.filter((r) => r.drifted);
    expect(
      drifted.some((r) => flagged(r, 'amount') && flagged(r, 'country')),
      summary,
    ).toBe(true);
    expect(
      drifted.some((r) => r.features.find((f) => f.feature === 'country')?.unseen_categories.includes('BR')),
      summary,
    ).toBe(true);
    // Features the drifted stretch does not touch are never flagged, in any window. Time-of-day
    // features are left out: a window shorter than a day legitimately shifts them.
    for (const untouched of ['is_ecom', 'txn_count_1h'])
      expect(
        out.reports.some((r) => flagged(r, untouched)),
        `${untouched}: ${summary}`,
      ).toBe(false);
    const messages = slackMessages;
    expect(out.alerts.map((a) => a.status)).toEqual(['firing', 'resolved']);
    while (Date.now() < deadline && (await messages()).length < 2) await sleep(250);
    const texts = (await messages()).map((m) => m.text);
    expect(texts).toHaveLength(2);
    expect(texts[0]).toContain('WARNING: ModelDriftDetected fraud-demo');
    expect(texts[1]).toContain('RESOLVED: ModelDriftDetected fraud-demo');
  }, 60_000);

  it('traces one event through all five services in one trace, in Jaeger', async () => {
    const out = watcher.outputs;
    const firing = out.alerts.find((a) => a.status === 'firing');
    expect(firing).toBeDefined();
    const all = ['tidewater-ingestion', 'tidewater-feature', 'tidewater-inference', 'tidewater-drift-monitor', 'tidewater-alerting'];
    type JaegerTrace = { traceID: string; spans: { processID: string }[]; processes: Record<string, { serviceName: string }> };
    const servicesOf = (t: JaegerTrace) => new Set(t.spans.map((s) => t.processes[s.processID]?.serviceName));
    // The alert's trace started at an event in ingestion: search from the service at its end.
    const complete = await eventually('a trace through all five services', 30_000, async () => {
      const found = await getJson<{ data: JaegerTrace[] }>(
        `${observability.obs.jaeger.url}/api/traces?service=tidewater-alerting&limit=50&lookback=1h`,
      );
      return found.data.find((t) => all.every((name) => servicesOf(t).has(name)));
    });
    expect(servicesOf(complete).size).toBe(all.length);
    // And each prediction's traceparent continues the trace its event started in ingestion.
    for (const tp of out.predictionTraceparents.slice(0, 5)) {
      const traceId = tp?.split('-')[1];
      const trace = await eventually(`trace ${traceId} in Jaeger`, 20_000, async () => {
        const r = await getJson<{ data?: JaegerTrace[] }>(`${observability.obs.jaeger.url}/api/traces/${traceId}`);
        return r.data?.[0];
      });
      expect(servicesOf(trace).has('tidewater-ingestion')).toBe(true);
    }
  }, 90_000);

  it("gives Prometheus every consumer group's lag", async () => {
    const groups = await eventually('lag series of the five groups', 60_000, async () => {
      const r = await promQuery(observability.obs, `count by (group) (tw_kafka_consumer_lag{group=~"${prefix}-.*"})`);
      return r.length === 5 ? r.map((x) => x.metric['group']).sort() : undefined;
    });
    expect(groups).toEqual(['alerting', 'drift-monitor', 'feature', 'inference', 'ingestion'].map((n) => `${prefix}-${n}`));
  }, 90_000);

  it('takes an event from kcat and gives kcat Confluent-wire-format prediction bytes whose schema id resolves', async () => {
    const ep = stackEndpoints();
    const eventId = `${prefix}-kcat`;
    const raw = JSON.stringify({
      event_id: eventId,
      occurred_at: new Date(Date.now() - 60_000).toISOString(),
      card_id: 'card-42',
      amount: 12.5,
      currency: 'EUR',
      merchant_id: 'm-7',
      merchant_category: '5411',
      country: 'DE',
      channel: 'ecom',
    });
    execFileSync('kcat', ['-P', '-b', ep.brokers.join(','), '-t', topics.TOPIC_EVENTS_RAW, '-k', 'card-42'], { input: raw });
    const out = watcher.outputs;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !out.predictions.some((p) => p.event_id === eventId)) await sleep(250);
    const i = out.predictions.findIndex((p) => p.event_id === eventId);
    expect(i).toBeGreaterThanOrEqual(0);
    const { partition, offset } = out.predictionOffsets[i]!;
    const bytes = execFileSync('kcat', [
      '-C',
      '-b',
      ep.brokers.join(','),
      '-t',
      topics.TOPIC_PREDICTIONS,
      '-p',
      String(partition),
      '-o',
      offset,
      '-c',
      '1',
      '-e',
      '-q',
      '-f',
      '%s',
    ]);
    expect(bytes[0]).toBe(0); // Confluent magic byte
    const schemaId = bytes.readUInt32BE(1);
    const res = await fetch(`${ep.registryUrl}/schemas/ids/${schemaId}`);
    expect(res.status).toBe(200);
    const schema = JSON.parse(((await res.json()) as { schema: string }).schema) as { name: string };
    expect(schema.name).toBe('Prediction');
  }, 60_000);

  it("pages Alertmanager when a stopped service falls behind, within the alert's for: plus one evaluation", async () => {
    // The feature service stops; what ingestion publishes meanwhile is its group's lag, which only
    // alerting's cluster-wide probe can still report.
    const feature = services.splice(
      services.findIndex((s) => s.name === 'feature'),
      1,
    )[0]!;
    exitCodes.push(await feature.stop());
    const group = `${prefix}-feature`;
    const producer = createProducer({ kafka: testKafka() });
    await producer.start();
    const backlog = demoEvents({ count: 1500, runId: `${prefix}-lag`, malformedShare: 0 });
    await producer.send(
      topics.TOPIC_EVENTS_RAW,
      backlog.map((e) => ({ key: e.key, value: e.value })),
    );
    await producer.close();
    await eventually('the feature group over 1000 records behind in Prometheus', 90_000, async () => {
      const r = await promQuery(observability.obs, `group_topic:tw_kafka_consumer_lag:sum{group="${group}"} > 1000`);
      return r.length > 0 ? true : undefined;
    });
    const behindAt = Date.now();
    type AmAlert = { labels: Record<string, string>; status: { state: string } };
    const alert = await eventually(`${scaledLagAlert.name} in Alertmanager`, 120_000, async () => {
      const alerts = await getJson<AmAlert[]>(`${observability.obs.alertmanager.url}/api/v2/alerts`);
      return alerts.find((a) => a.labels['alertname'] === scaledLagAlert.name && a.labels['group'] === group);
    });
    const tookMs = Date.now() - behindAt;
    console.log(`${scaledLagAlert.name} reached Alertmanager ${tookMs} ms after the lag crossed 1000 in Prometheus`);
    expect(alert).toMatchObject({ labels: { severity: 'warning', topic: topics.TOPIC_EVENTS_VALID }, status: { state: 'active' } });
    // for: (scaled to 30 s) plus one 5 s evaluation, plus 5 s for the polls on both sides.
    expect(tookMs).toBeLessThan((scaledLagAlert.forSeconds + 5 + 5) * 1000);
  }, 240_000);

  it('shuts every service down cleanly on SIGTERM', async () => {
    for (const s of [...services].reverse()) exitCodes.push(await s.stop());
    expect(exitCodes).toEqual([0, 0, 0, 0, 0]);
  }, 120_000);
});
