import { describe, expect, it } from 'vitest';
import { webhookPayload } from './webhook-payload.js';
import { alert, notification } from '../../test/delivery-fixtures.js';

describe('webhookPayload', () => {
  it("has Alertmanager's webhook shape (version 4)", () => {
    const firing = alert({ fingerprint: 'a', generator_url: 'https://grafana.example/d/drift' });
    const resolved = alert({
      fingerprint: 'b',
      status: 'resolved',
      labels: { ...firing.labels, model_version: '2' },
      ends_at: Date.UTC(2025, 2, 1, 11),
    });
    const n = notification({
      alerts: [firing, resolved],
      commonLabels: { alertname: 'ModelDriftDetected', model: 'fraud-demo', severity: 'warning' },
    });
    expect(webhookPayload(n, { externalUrl: 'https://alerting.example' })).toEqual({
      version: '4',
      groupKey: n.groupKey,
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'team-ml',
      groupLabels: { alertname: 'ModelDriftDetected' },
      commonLabels: { alertname: 'ModelDriftDetected', model: 'fraud-demo', severity: 'warning' },
      commonAnnotations: firing.annotations,
      externalURL: 'https://alerting.example',
      alerts: [
        {
          status: 'firing',
          labels: firing.labels,
          annotations: firing.annotations,
          startsAt: '2025-03-01T10:00:00.000Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'https://grafana.example/d/drift',
          fingerprint: 'a',
        },
        {
          status: 'resolved',
          labels: resolved.labels,
          annotations: resolved.annotations,
          startsAt: '2025-03-01T10:00:00.000Z',
          endsAt: '2025-03-01T11:00:00.000Z',
          generatorURL: '',
          fingerprint: 'b',
        },
      ],
    });
  });

  it('keeps only the annotations every alert shares as commonAnnotations', () => {
    const n = notification({
      alerts: [
        alert({ fingerprint: 'a', annotations: { summary: 'one', runbook_url: 'r' } }),
        alert({ fingerprint: 'b', annotations: { summary: 'two', runbook_url: 'r' } }),
      ],
    });
    expect(webhookPayload(n).commonAnnotations).toEqual({ runbook_url: 'r' });
  });

  it('truncates to max_alerts and counts what it left out', () => {
    const alerts = Array.from({ length: 5 }, (_, i) => alert({ fingerprint: `f${i}` }));
    const payload = webhookPayload(notification({ alerts }), { maxAlerts: 2 });
    expect(payload.alerts.map((a) => a.fingerprint)).toEqual(['f0', 'f1']);
    expect(payload.truncatedAlerts).toBe(3);
  });
});
