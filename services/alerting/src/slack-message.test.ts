import { describe, expect, it } from 'vitest';
import type { Alert } from '@tidewater/schemas';
import { escapeMrkdwn, slackMessage } from './slack-message.js';

const startsAt = Date.UTC(2025, 2, 1, 10, 0, 0);
const endsAt = Date.UTC(2025, 2, 1, 11, 30, 0);
const runbook = 'https://runbooks.example/docs/runbooks.md#model-drift-detected';

const firing: Alert = {
  fingerprint: 'a42ff5439665070a',
  status: 'firing',
  labels: { alertname: 'ModelDriftDetected', model: 'fraud-demo', model_version: '1', severity: 'warning' },
  annotations: {
    summary: 'fraud-demo v1: inputs or scores drifted from training (3 of 9 checks)',
    description: 'Window of 1000 predictions, mean score 0.081. Drifted: amount: PSI 1.235',
    runbook_url: runbook,
  },
  starts_at: startsAt,
  ends_at: null,
  source: 'drift-monitor',
  generator_url: null,
};

const resolved: Alert = {
  ...firing,
  status: 'resolved',
  annotations: {
    ...firing.annotations,
    summary: 'fraud-demo v1: drift cleared',
    description: 'The latest window matches the reference profile again.',
  },
  ends_at: endsAt,
};

interface TextObject {
  type: string;
  text: string;
}
interface Block {
  type: string;
  text?: TextObject;
  elements?: TextObject[];
}

/** The blocks of a message, typed for the assertions (slackMessage returns them as unknown). */
function blocksOf(message: { blocks: unknown[] }): Block[] {
  return message.blocks as Block[];
}

/** Every text of a message that Slack limits: header, sections and context elements. */
function textsOf(message: { blocks: unknown[] }): { type: string; text: string }[] {
  return blocksOf(message).flatMap((b) => [
    ...(b.text ? [{ type: b.type, text: b.text.text }] : []),
    ...(b.elements ?? []).map((e) => ({ type: b.type, text: e.text })),
  ]);
}

function isWellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

describe('slackMessage', () => {
  it('leads with severity, alert name and model, then summary and description, labels and start', () => {
    const message = slackMessage(firing);
    const [header, section, context] = blocksOf(message);
    expect(header).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: ':large_orange_circle: WARNING: ModelDriftDetected fraud-demo', emoji: true },
    });
    expect(section?.text).toEqual({ type: 'mrkdwn', text: `*${firing.annotations['summary']}*\n${firing.annotations['description']}` });
    const contextText = context?.elements?.[0]?.text ?? '';
    expect(contextText).toContain('*model*: fraud-demo');
    expect(contextText).toContain('*model_version*: 1');
    expect(contextText).toContain('*severity*: warning');
    expect(contextText).not.toContain('alertname');
    expect(contextText).toContain('*since*: 2025-03-01T10:00:00.000Z');
    expect(contextText).not.toContain('resolved');
  });

  it('marks a resolved alert as such, with its end time', () => {
    const message = slackMessage(resolved);
    const [header, section, context] = blocksOf(message);
    expect(header?.text?.text).toBe(':white_check_mark: RESOLVED: ModelDriftDetected fraud-demo');
    expect(section?.text?.text).toContain('*fraud-demo v1: drift cleared*');
    expect(context?.elements?.[0]?.text).toContain('*resolved*: 2025-03-01T11:30:00.000Z');
    expect(message.text).toBe(':white_check_mark: RESOLVED: ModelDriftDetected fraud-demo: fraud-demo v1: drift cleared');
  });

  it('picks the icon by severity', () => {
    const header = (severity: string | undefined) => {
      const labels: Record<string, string> = { alertname: 'X' };
      if (severity !== undefined) labels['severity'] = severity;
      return blocksOf(slackMessage({ ...firing, labels }))[0]?.text?.text;
    };
    expect(header('critical')).toBe(':red_circle: CRITICAL: X');
    expect(header('info')).toBe(':large_blue_circle: INFO: X');
    expect(header('page')).toBe(':warning: PAGE: X');
    expect(header(undefined)).toBe(':large_orange_circle: WARNING: X');
  });

  it('always has a fallback text for notifications', () => {
    expect(slackMessage(firing).text).toBe(
      `:large_orange_circle: WARNING: ModelDriftDetected fraud-demo: ${firing.annotations['summary']}`,
    );
    const bare = slackMessage({ ...firing, labels: {}, annotations: {} });
    expect(bare.text.length).toBeGreaterThan(0);
    expect(bare.text).toContain('WARNING: alert');
  });

  it('links the runbook when the alert has one, and only then', () => {
    const blocks = blocksOf(slackMessage(firing));
    expect(blocks.at(-1)).toEqual({ type: 'section', text: { type: 'mrkdwn', text: `<${runbook}|Runbook>` } });
    const { runbook_url: _runbook, ...withoutRunbook } = firing.annotations;
    const without = blocksOf(slackMessage({ ...firing, annotations: withoutRunbook }));
    expect(without).toHaveLength(3);
    expect(JSON.stringify(without)).not.toContain('Runbook');
  });

  it('keeps the header within 150 characters and sections within 3000, ending clipped text with an ellipsis', () => {
    const long: Alert = {
      ...firing,
      labels: { ...firing.labels, alertname: 'A'.repeat(200), model: 'm'.repeat(200), extra: 'x'.repeat(5000) },
      annotations: { ...firing.annotations, summary: 's'.repeat(4000), description: 'd'.repeat(10_000) },
    };
    const message = slackMessage(long);
    const [header, section, context] = blocksOf(message);
    expect(header?.text?.text).toHaveLength(150);
    expect(header?.text?.text.endsWith('…')).toBe(true);
    expect(section?.text?.text).toHaveLength(3000);
    expect(section?.text?.text.endsWith('…')).toBe(true);
    expect(context?.elements?.[0]?.text).toHaveLength(3000);
    expect(message.text.length).toBeLessThanOrEqual(3000);
    for (const { type, text } of textsOf(message)) expect(text.length).toBeLessThanOrEqual(type === 'header' ? 150 : 3000);
  });

  it('clips a long description but keeps the summary in front', () => {
    const message = slackMessage({ ...firing, annotations: { ...firing.annotations, description: 'Drifted: '.repeat(1000) } });
    const text = blocksOf(message)[1]?.text?.text ?? '';
    expect(text).toHaveLength(3000);
    expect(text.startsWith(`*${firing.annotations['summary']}*\nDrifted: `)).toBe(true);
    expect(text.endsWith('…')).toBe(true);
  });

  it('does not cut an emoji in half when clipping', () => {
    const message = slackMessage({ ...firing, annotations: { ...firing.annotations, summary: 'x', description: '🚨'.repeat(3000) } });
    for (const { text } of textsOf(message)) {
      expect(isWellFormed(text)).toBe(true);
      expect(text.length).toBeLessThanOrEqual(3000);
    }
    const header = blocksOf(slackMessage({ ...firing, labels: { ...firing.labels, model: '🚨'.repeat(100) } }))[0]?.text?.text ?? '';
    expect(header.length).toBeLessThanOrEqual(150);
    expect(isWellFormed(header)).toBe(true);
  });

  it('leaves short texts untouched', () => {
    for (const { text } of textsOf(slackMessage(firing))) expect(text.endsWith('…')).toBe(false);
  });
});

describe('escapeMrkdwn', () => {
  it("escapes Slack's control characters so alert text cannot ping a channel or forge a link", () => {
    expect(escapeMrkdwn('a < b && c > d <!channel>')).toBe('a &lt; b &amp;&amp; c &gt; d &lt;!channel&gt;');
    const msg = slackMessage({
      fingerprint: 'f',
      status: 'firing',
      labels: { alertname: 'X', severity: 'warning' },
      annotations: { summary: '<!channel> now', description: '<https://evil|click>' },
      starts_at: 0,
      ends_at: null,
      source: 'test',
      generator_url: null,
    });
    expect(JSON.stringify(msg)).not.toContain('<!channel>');
    expect(JSON.stringify(msg)).not.toContain('<https://evil|click>');
  });
});
