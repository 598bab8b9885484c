import { describe, expect, it } from 'vitest';
import { slackNotificationMessage, type SlackBlock, type SlackMessage } from './slack-notification-message.js';
import { alert, notification } from '../../test/delivery-fixtures.js';

/** Every text of a message that Slack limits, with the limit that applies. */
function textsOf(message: SlackMessage): { text: string; max: number }[] {
  return message.blocks.flatMap((b) =>
    b.type === 'context'
      ? b.elements.map((e) => ({ text: e.text, max: 3000 }))
      : [{ text: b.text.text, max: b.type === 'header' ? 150 : 3000 }],
  );
}

function header(message: SlackMessage): string {
  const first = message.blocks[0];
  return first?.type === 'header' ? first.text.text : '';
}

function allText(blocks: readonly SlackBlock[]): string {
  return JSON.stringify(blocks);
}

/** `count` alerts of one group, one per feature, the first 150 firing and the rest resolved. */
function bigGroup(count = 200) {
  const alerts = Array.from({ length: count }, (_, i) =>
    alert({
      fingerprint: `fp-${i}`,
      status: i < 150 ? 'firing' : 'resolved',
      labels: {
        alertname: 'FeatureDrift',
        model: 'fraud-demo',
        feature: `feature_${String(i).padStart(3, '0')}`,
        severity: i % 10 === 0 ? 'critical' : 'warning',
      },
      annotations: {
        summary: `feature_${i} drifted`,
        figures: `feature_${i}: PSI ${(0.2 + i / 100).toFixed(3)} >= 0.2`,
        runbook_url: 'https://runbooks.example/drift',
      },
      starts_at: Date.UTC(2025, 2, 1, 10, 0, i),
      ends_at: i < 150 ? null : Date.UTC(2025, 2, 1, 11, 0, 0),
    }),
  );
  return notification({
    alerts,
    groupLabels: { alertname: 'FeatureDrift' },
    commonLabels: { alertname: 'FeatureDrift', model: 'fraud-demo' },
  });
}

describe('slackNotificationMessage, one alert', () => {
  const message = slackNotificationMessage(notification());

  it('leads with severity, alert name and model', () => {
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: ':large_orange_circle: WARNING: ModelDriftDetected fraud-demo', emoji: true },
    });
  });

  it('says what drifted, with each figure against its threshold, since when, and links the runbook', () => {
    const text = allText(message.blocks);
    expect(text).toContain('*fraud-demo v1: inputs or scores drifted from training (2 of 9 checks)*');
    expect(text).toContain('• amount: PSI 1.235 &gt;= 0.2');
    expect(text).toContain('• score: PSI 0.400 &gt;= 0.2');
    expect(text).toContain('*since*: <!date^1740823200^{date_short_pretty} {time}|2025-03-01 10:00:00 UTC>');
    expect(text).toContain('*model_version*: 1');
    expect(text).toContain('<https://runbooks.example/docs/runbooks.md#model-drift-detected|:book: Runbook>');
    expect(text).not.toContain('Trace / dashboard');
  });

  it('links the trace or dashboard when the alert has a generator_url', () => {
    const withTrace = slackNotificationMessage(
      notification({ alerts: [alert({ generator_url: 'https://grafana.example/d/drift?var-model=fraud-demo&from=now-1h' })] }),
    );
    expect(allText(withTrace.blocks)).toContain(
      '<https://grafana.example/d/drift?var-model=fraud-demo&amp;from=now-1h|:mag: Trace / dashboard>',
    );
  });

  it('always has a fallback text', () => {
    expect(message.text).toBe(
      ':large_orange_circle: WARNING: ModelDriftDetected fraud-demo: fraud-demo v1: inputs or scores drifted from training (2 of 9 checks)',
    );
    const bare = slackNotificationMessage(notification({ alerts: [alert({ labels: {}, annotations: {} })], commonLabels: {} }));
    expect(bare.text).toBe(':large_orange_circle: WARNING: alert');
    expect(bare.blocks.length).toBeGreaterThan(0);
  });

  it('marks a resolved notification with its end time', () => {
    const resolved = slackNotificationMessage(
      notification({ alerts: [alert({ status: 'resolved', ends_at: Date.UTC(2025, 2, 1, 11, 30) })] }),
    );
    expect(header(resolved)).toBe(':white_check_mark: RESOLVED: ModelDriftDetected fraud-demo');
    expect(allText(resolved.blocks)).toContain('*resolved*: <!date^1740828600^');
  });
});

describe('slackNotificationMessage, a group', () => {
  it('counts firing and resolved alerts in the header and lists each alert by what tells it apart', () => {
    const n = notification({
      alerts: [
        alert({
          fingerprint: 'a',
          labels: { alertname: 'ModelDriftDetected', model: 'fraud-demo', model_version: '1', severity: 'warning' },
        }),
        alert({
          fingerprint: 'b',
          labels: { alertname: 'ModelDriftDetected', model: 'fraud-demo', model_version: '2', severity: 'critical' },
        }),
        alert({
          fingerprint: 'c',
          status: 'resolved',
          ends_at: Date.UTC(2025, 2, 1, 11),
          labels: { alertname: 'ModelDriftDetected', model: 'fraud-demo', model_version: '3', severity: 'warning' },
        }),
      ],
      commonLabels: { alertname: 'ModelDriftDetected', model: 'fraud-demo' },
    });
    const message = slackNotificationMessage(n);
    // The worst firing severity names the notification.
    expect(header(message)).toBe(':red_circle: CRITICAL: ModelDriftDetected fraud-demo (2 firing, 1 resolved)');
    const text = allText(message.blocks);
    // Firing and worst first, the resolved one last.
    expect(text.indexOf('model_version=2')).toBeLessThan(text.indexOf('model_version=1'));
    expect(text.indexOf('model_version=1')).toBeLessThan(text.indexOf('model_version=3'));
    expect(text).toContain(':white_check_mark: *model_version=3*');
    // Shared annotations are said once, not on every line.
    expect(text.split('drifted from training').length - 1).toBe(1);
    expect(message.text).toContain('(2 firing, 1 resolved)');
  });

  it('lists 200 alerts within Slack limits, ending in a "+N more" line', () => {
    const message = slackNotificationMessage(bigGroup());
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    for (const { text, max } of textsOf(message)) expect(text.length).toBeLessThanOrEqual(max);
    expect(header(message)).toBe(':red_circle: CRITICAL: FeatureDrift fraud-demo (150 firing, 50 resolved)');
    const last = message.blocks.at(-1);
    expect(last).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: '+180 more (130 firing, 50 resolved)' }] });
    expect(allText(message.blocks).match(/feature=feature_\d+/g)).toHaveLength(20);
    expect(message.text.length).toBeGreaterThan(0);
    expect(message.text.length).toBeLessThanOrEqual(3000);
  });

  it('stays within 50 blocks and 3000 characters a section when every line is long', () => {
    const base = bigGroup(400);
    const long = {
      ...base,
      alerts: base.alerts.map((a) => ({
        ...a,
        annotations: { ...a.annotations, summary: `${a.annotations['summary']} ${'x'.repeat(2000)}` },
      })),
    };
    const message = slackNotificationMessage(long, { maxListedAlerts: 1000 });
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    for (const { text, max } of textsOf(message)) expect(text.length).toBeLessThanOrEqual(max);
    const last = message.blocks.at(-1);
    expect(last?.type).toBe('context');
    expect(last?.type === 'context' ? last.elements[0]?.text : '').toBe('+170 more (170 resolved)');
  });

  it('keeps the counts in a header clipped to 150 characters', () => {
    const base = bigGroup();
    const message = slackNotificationMessage({ ...base, commonLabels: { ...base.commonLabels, alertname: 'A'.repeat(300) } });
    expect(header(message)).toHaveLength(150);
    expect(header(message).endsWith('… (150 firing, 50 resolved)')).toBe(true);
  });
});

describe('slackNotificationMessage, escaping', () => {
  it('escapes &, < and > from labels and annotations so they cannot ping a channel or forge a link', () => {
    const evil = alert({
      labels: { alertname: 'X', model: '<!here>', severity: 'warning' },
      annotations: {
        summary: '<!channel> now & then',
        description: '<https://evil|click>',
        figures: 'a < b; c > d',
        runbook_url: 'https://ok.example/a|<!channel>',
      },
    });
    for (const n of [
      notification({ alerts: [evil] }),
      notification({
        alerts: [evil, { ...evil, fingerprint: 'b', labels: { ...evil.labels, feature: '<@U123>' } }],
        commonLabels: { alertname: 'X' },
      }),
    ]) {
      const message = slackNotificationMessage(n);
      // Slack parses mrkdwn and the fallback text; a plain_text header is shown as written.
      const json = JSON.stringify([message.text, message.blocks.filter((b) => b.type !== 'header')]);
      expect(json).not.toContain('<!channel>');
      expect(json).not.toContain('<!here>');
      expect(json).not.toContain('<https://evil|click>');
      expect(json).not.toContain('<@U123>');
      expect(json).toContain('&lt;!channel&gt; now &amp; then');
    }
  });

  it('drops links that are not http(s)', () => {
    const message = slackNotificationMessage(
      notification({ alerts: [alert({ annotations: { summary: 's', runbook_url: 'javascript:alert(1)' } })] }),
    );
    expect(JSON.stringify(message)).not.toContain('javascript');
  });
});

describe('slackNotificationMessage, since and runbooks in a group (issue 21)', () => {
  /** `count` alerts, each with its own summary of `summaryChars` and the runbook `runbookOf(i)`. */
  function group(count: number, summaryChars: number, runbookOf: (i: number) => string, alertnameOf = (_i: number) => 'FeatureDrift') {
    const alerts = Array.from({ length: count }, (_, i) =>
      alert({
        fingerprint: `fp-${i}`,
        labels: { alertname: alertnameOf(i), model: 'fraud-demo', feature: `feature_${i}`, severity: 'warning' },
        annotations: { summary: `feature_${i} drifted ${'x'.repeat(summaryChars)}`, runbook_url: runbookOf(i) },
        starts_at: Date.UTC(2025, 2, 1, 10, 0, i),
      }),
    );
    return notification({ alerts, groupLabels: { model: 'fraud-demo' }, commonLabels: { model: 'fraud-demo', severity: 'warning' } });
  }

  /** The grouped list's lines, one per alert. */
  function alertLines(message: SlackMessage): string[] {
    return message.blocks
      .flatMap((b) => (b.type === 'section' ? b.text.text.split('\n') : []))
      .filter((line) => line.includes('feature=feature_'));
  }

  it("keeps every listed alert's since and runbook link, and cuts its long summary instead", () => {
    const message = slackNotificationMessage(group(5, 2000, (i) => `https://runbooks.example/drift-${i}`));
    const lines = alertLines(message);
    expect(lines).toHaveLength(5);
    lines.forEach((line, i) => {
      expect(line).toContain(`since <!date^${Date.UTC(2025, 2, 1, 10, 0, i) / 1000}^`);
      expect(line).toContain(`<https://runbooks.example/drift-${i}|:book: Runbook>`);
      expect(line).toContain('x…');
      expect(line.length).toBeLessThanOrEqual(500);
    });
    for (const { text, max } of textsOf(message)) expect(text.length).toBeLessThanOrEqual(max);
  });

  it('lists the runbooks of a group whose alerts have different ones, even those past "+N more"', () => {
    const message = slackNotificationMessage(
      group(
        80,
        40,
        (i) => (i % 2 === 0 ? 'https://runbooks.example/feature-drift' : 'https://runbooks.example/score-drift'),
        (i) => (i % 2 === 0 ? 'FeatureDrift' : 'ScoreDrift'),
      ),
    );
    const text = allText(message.blocks);
    expect(text).toContain(
      ':book: *Runbooks*: <https://runbooks.example/feature-drift|FeatureDrift> · <https://runbooks.example/score-drift|ScoreDrift>',
    );
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    for (const { text: t, max } of textsOf(message)) expect(t.length).toBeLessThanOrEqual(max);
  });

  it('lists as many distinct runbooks as a section holds, then says how many more', () => {
    const message = slackNotificationMessage(group(80, 40, (i) => `https://runbooks.example/a-rather-long-path/for-feature-${i}`));
    const links = message.blocks.find((b) => b.type === 'section' && b.text.text.startsWith(':book: *Runbooks*'));
    const text = links?.type === 'section' ? links.text.text : '';
    expect(text.length).toBeLessThanOrEqual(3000);
    const shown = text.match(/<https:\/\/runbooks\.example\/[^|]+\|/g) ?? [];
    expect(shown.length).toBeGreaterThan(10);
    expect(text).toMatch(new RegExp(` · \\+${80 - shown.length} more$`));
    // Same alert name for every runbook: told apart by a number.
    expect(text).toContain('|FeatureDrift (2)>');
  });
});
