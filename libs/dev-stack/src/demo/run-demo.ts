import { randomUUID } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKafkaClient, createProducer } from '@tidewater/kafka';
import type { CapturedSlackMessage } from '../slack-capture-server.js';
import { watchPipeline } from '../pipeline-watcher.js';
import { stackDir } from '../stack-layout.js';
import { runningStack, stackDown, stackUp, startStackServices } from '../stack.js';
import { demoEvents, type DemoEvent } from './demo-events.js';

const windowSize = 500;

/**
 * `npm run demo`: brings up the dev stack and the five services (unless already running),
 * streams generated payments through them, prints what came out, and stops what it started.
 */
export async function runDemo(opts: { events: number; kafka?: 'apache' | 'mock' }): Promise<number> {
  const dir = stackDir();
  const started = Date.now();
  let state = runningStack(dir);
  const startedHere = !state;
  const serviceEnv = { DRIFT_WINDOW_SIZE: String(windowSize) };
  if (!state) {
    console.log(`starting the dev stack (${opts.kafka === 'mock' ? 'mock Kafka' : 'Apache Kafka'}) and the five services...`);
    state = await stackUp({ services: true, serviceEnv, kafka: opts.kafka ?? 'apache', log: (line) => console.log(line) });
  } else if (state.services.length === 0) {
    state = await startStackServices({ serviceEnv });
  }
  const kafka = state.kafka.kind === 'apache' ? `Apache Kafka ${state.kafka.version}` : 'mock Kafka';
  console.log(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${kafka})`);
  try {
    return await streamAndReport(state.kafka.bootstrapServers, state.registry.url, state.slack.captureFile, opts.events);
  } finally {
    if (startedHere) {
      console.log('stopping the stack...');
      await stackDown(dir);
    }
  }
}

async function streamAndReport(
  brokers: readonly string[],
  registryUrl: string,
  captureFile: string | undefined,
  count: number,
): Promise<number> {
  const runId = randomUUID().slice(0, 8);
  const events = demoEvents({ count, runId });
  const watcher = watchPipeline({
    brokers,
    registryUrl,
    topics: { predictions: 'predictions', dlq: 'events.dlq', reports: 'drift.reports', alerts: 'alerts' },
  });
  await watcher.start();
  const slackBefore = captureFile && existsSync(captureFile) ? readFileSync(captureFile, 'utf8').split('\n').filter(Boolean).length : 0;

  const producer = createProducer({ kafka: createKafkaClient({ brokers, clientId: 'tidewater-demo' }) });
  await producer.start();
  const out = watcher.outputs;
  // Distinct event ids: delivery is at-least-once, so a redelivered event may be scored twice.
  const mine = () => ({
    predictions: new Set(out.predictions.filter((p) => p.event_id.startsWith(`${runId}-`)).map((p) => p.event_id)).size,
    dlq: out.deadLetters.filter((d) => d.headers['demo-run']?.toString() === runId).length,
  });
  // The stream goes in stretches (normal, drifted, normal) with a pause after each, as time would
  // pass: the drift alert then fires, reaches Slack after its group_wait, and resolves later
  // (deploy/alerting.dev.yaml: group_wait 1s, group_interval 3s).
  const t0 = Date.now();
  let sent = 0;
  for (const stretch of stretches(events)) {
    for (let i = 0; i < stretch.length; i += 250) {
      await producer.send(
        'events.raw',
        stretch.slice(i, i + 250).map((e) => ({ key: e.key, value: e.value, headers: { 'demo-run': runId } })),
      );
    }
    sent += stretch.length;
    console.log(`sent ${stretch.length} ${stretch[0]!.phase} events to events.raw (run ${runId})`);
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && mine().predictions + mine().dlq < sent) await sleep(250);
    await sleep(4000);
  }
  await producer.close();
  const scoredIn = Date.now() - t0;
  // Every full window's report (and any alert it raised) reaches the watcher before we print.
  const windows = Math.floor(mine().predictions / windowSize);
  for (const until = Date.now() + 15_000; Date.now() < until && out.reports.length < windows;) await sleep(250);
  await sleep(1000);
  await watcher.stop();

  const m = mine();
  const predictions = out.predictions.filter((p) => p.event_id.startsWith(`${runId}-`));
  const codes = new Map<string, number>();
  for (const d of out.deadLetters) if (d.headers['demo-run']?.toString() === runId) codes.set(d.code, (codes.get(d.code) ?? 0) + 1);
  const slack: CapturedSlackMessage[] =
    captureFile && existsSync(captureFile)
      ? readFileSync(captureFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .slice(slackBefore)
          .map((l) => JSON.parse(l) as CapturedSlackMessage)
      : [];
  const malformed = events.filter((e) => e.malformed).length;

  console.log('\n=== Tidewater demo ===');
  console.log(
    `events in:            ${events.length} (${malformed} malformed on purpose; ${events.filter((e) => e.phase === 'drifted').length} in a drifted stretch)`,
  );
  console.log(
    `predictions out:      ${m.predictions} events scored (flagged as fraud: ${predictions.filter((p) => p.label).length}; redelivered duplicates: ${predictions.length - m.predictions})`,
  );
  console.log(`dead-lettered:        ${m.dlq}  ${[...codes].map(([c, n]) => `${c}=${n}`).join(' ')}`);
  console.log(
    `accounted for:        ${m.predictions + m.dlq} of ${events.length} in ${(scoredIn / 1000).toFixed(1)} s (with a 4 s pause after each stretch)`,
  );
  console.log(`drift reports:        ${out.reports.length} (drifted: ${out.reports.filter((r) => r.drifted).length})`);
  console.log(`alerts:               ${out.alerts.map((a) => `${a.labels['alertname']}:${a.status}`).join(', ') || 'none'}`);
  console.log(`slack messages:       ${slack.length}`);
  for (const s of slack) console.log(`  - ${s.text}`);
  const ok = m.predictions + m.dlq === events.length && m.dlq === malformed;
  console.log(
    ok
      ? '\nevery event was either scored or dead-lettered, none lost.'
      : '\nMISMATCH: some events are unaccounted for; see .tidewater/logs/.',
  );
  return ok ? 0 : 1;
}

/** Splits the events into runs of the same phase, in order. */
function stretches(events: readonly DemoEvent[]): DemoEvent[][] {
  const out: DemoEvent[][] = [];
  for (const e of events) {
    const last = out[out.length - 1];
    if (last && last[0]!.phase === e.phase) last.push(e);
    else out.push([e]);
  }
  return out;
}
