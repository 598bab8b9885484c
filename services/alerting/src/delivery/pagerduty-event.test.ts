import { describe, expect, it } from 'vitest';
import { pagerDutyDedupKey, pagerDutyEvent } from './pagerduty-event.js';
import { alert, notification } from '../../test/delivery-fixtures.js';

describe('pagerDutyEvent', () => {
  it('triggers an incident keyed by the group key while alerts fire', () => {
    const n = notification({ alerts: [alert({ generator_url: 'https://grafana.example/d/drift' })] });
    expect(pagerDutyEvent(n, 'R0UTING')).toEqual({
      routing_key: 'R0UTING',
      event_action: 'trigger',
      dedup_key: pagerDutyDedupKey(n.groupKey),
      payload: {
        summary: '[FIRING:1] ModelDriftDetected fraud-demo — fraud-demo v1: inputs or scores drifted from training (2 of 9 checks)',
        source: 'drift-monitor',
        severity: 'warning',
        timestamp: '2025-03-01T10:00:00.000Z',
        component: 'fraud-demo',
        group: n.groupKey,
        class: 'ModelDriftDetected',
        custom_details: {
          firing: 1,
          resolved: 0,
          group_labels: n.groupLabels,
          common_labels: n.commonLabels,
          common_annotations: n.alerts[0]?.annotations,
          alerts: [
            { status: 'firing', labels: n.alerts[0]?.labels, annotations: n.alerts[0]?.annotations, starts_at: '2025-03-01T10:00:00.000Z' },
          ],
        },
      },
      links: [
        { href: 'https://runbooks.example/docs/runbooks.md#model-drift-detected', text: 'Runbook' },
        { href: 'https://grafana.example/d/drift', text: 'Trace / dashboard' },
      ],
      client: 'Tidewater alerting',
    });
  });

  it('resolves the same incident once every alert of the group resolved', () => {
    const n = notification({ alerts: [alert({ status: 'resolved', ends_at: Date.UTC(2025, 2, 1, 11) })] });
    expect(pagerDutyEvent(n, 'R0UTING')).toEqual({
      routing_key: 'R0UTING',
      event_action: 'resolve',
      dedup_key: pagerDutyDedupKey(n.groupKey),
    });
  });

  it('maps severities PagerDuty does not know to error, and picks the worst firing one', () => {
    const page = notification({ alerts: [alert({ labels: { alertname: 'X', severity: 'page' } })] });
    expect(pagerDutyEvent(page, 'k')).toMatchObject({ payload: { severity: 'error' } });
    const mixed = notification({
      alerts: [
        alert({ fingerprint: 'a', labels: { alertname: 'X', severity: 'info' } }),
        alert({ fingerprint: 'b', labels: { alertname: 'X', severity: 'critical' } }),
      ],
      commonLabels: { alertname: 'X' },
    });
    expect(pagerDutyEvent(mixed, 'k')).toMatchObject({
      payload: { severity: 'critical', summary: expect.stringMatching(/^\[FIRING:2\] X — /) },
    });
  });

  it('keeps the summary within 1024 characters and itemizes at most 50 alerts', () => {
    const alerts = Array.from({ length: 80 }, (_, i) => alert({ fingerprint: `f${i}`, annotations: { summary: 's'.repeat(2000) } }));
    const event = pagerDutyEvent(notification({ alerts }), 'k');
    if (event.event_action !== 'trigger') throw new Error('expected a trigger');
    expect(event.payload.summary).toHaveLength(1024);
    expect(event.payload.custom_details['alerts']).toHaveLength(50);
    expect(event.payload.custom_details['more_alerts']).toBe(30);
  });

  it('keys the incident by the sha256 of the group key, as Alertmanager does', () => {
    // dedup_key a real Alertmanager 0.25 sent for this group key (identity.int.test.ts checks more).
    expect(pagerDutyDedupKey('{}/{severity=~"crit.*",team="risk"}:{alertname="X", team="risk"}')).toBe(
      'b23654b75eb9585e7edf365327fa23a3b93f2ce59aed1e6f3976e8d5ef2cd0d8',
    );
    expect(pagerDutyDedupKey('k'.repeat(300))).toMatch(/^[0-9a-f]{64}$/);
  });
});
