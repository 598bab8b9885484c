import { Writable } from 'node:stream';
import type { Alert } from '@tidewater/schemas';
import { createLogger, type Logger } from '@tidewater/logging';
import type { Notification } from '../src/notification.js';

// Shared by the delivery tests: notification fixtures and a logger whose lines the test can read
// back. The fake Slack webhook is test support: services/alerting/test/fake-webhook.ts.

/** An alert of the drift monitor's kind, with overrides. */
export function alert(overrides: Partial<Alert> = {}): Alert {
  return {
    fingerprint: 'a42ff5439665070a',
    status: 'firing',
    labels: { alertname: 'ModelDriftDetected', model: 'fraud-demo', model_version: '1', severity: 'warning' },
    annotations: {
      summary: 'fraud-demo v1: inputs or scores drifted from training (2 of 9 checks)',
      description: 'Window of 1000 predictions, mean score 0.081. Drifted: amount: PSI 1.235 >= 0.2; score: PSI 0.400 >= 0.2.',
      figures: 'amount: PSI 1.235 >= 0.2; score: PSI 0.400 >= 0.2',
      runbook_url: 'https://runbooks.example/docs/runbooks.md#model-drift-detected',
    },
    starts_at: Date.UTC(2025, 2, 1, 10, 0, 0),
    ends_at: null,
    source: 'drift-monitor',
    generator_url: null,
    ...overrides,
  };
}

/** A notification of one or more alerts, with overrides. */
export function notification(overrides: Partial<Notification> = {}): Notification {
  const alerts = overrides.alerts ?? [alert()];
  return {
    id: 'n-1',
    receiver: 'team-ml',
    groupKey: '{}:{alertname="ModelDriftDetected"}',
    groupLabels: { alertname: 'ModelDriftDetected' },
    commonLabels: alerts.length === 1 ? (alerts[0]?.labels ?? {}) : { alertname: 'ModelDriftDetected' },
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts,
    createdAt: Date.UTC(2025, 2, 1, 10, 0, 30),
    ...overrides,
  };
}

/** A logger writing JSON lines into `lines`, for asserting what was logged. */
export function memoryLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ service: 'alerting-test', level: 'debug', destination }), lines };
}

/** Polls `condition` every 10 ms until it holds, failing after `timeoutMs`. */
export async function eventually(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
