import type { Alert } from '@tidewater/schemas';
import { clip, escapeMrkdwn, slackLimits } from './delivery/slack-text.js';

export { escapeMrkdwn };

const maxSectionText = slackLimits.sectionText;
const maxHeaderText = slackLimits.headerText;

const icons: Record<string, string> = { critical: ':red_circle:', warning: ':large_orange_circle:', info: ':large_blue_circle:' };

/**
 * A Slack message for one alert, written for a person on a phone: what and how bad in the
 * header, the figures, since when, and the runbook. `text` is the notification fallback.
 */
export function slackMessage(alert: Alert): { text: string; blocks: unknown[] } {
  const severity = alert.labels['severity'] ?? 'warning';
  const resolved = alert.status === 'resolved';
  const icon = resolved ? ':white_check_mark:' : (icons[severity] ?? ':warning:');
  const title =
    `${icon} ${resolved ? 'RESOLVED' : severity.toUpperCase()}: ${alert.labels['alertname'] ?? 'alert'} ${alert.labels['model'] ?? ''}`.trim();
  const summary = escapeMrkdwn(alert.annotations['summary'] ?? '');
  const since = new Date(alert.starts_at).toISOString();
  const runbook = alert.annotations['runbook_url'];
  const fields = Object.entries(alert.labels)
    .filter(([k]) => k !== 'alertname')
    .map(([k, v]) => `*${escapeMrkdwn(k)}*: ${escapeMrkdwn(v)}`)
    .join('   ');
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(title, maxHeaderText), emoji: true } },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: clip(`*${summary}*\n${escapeMrkdwn(alert.annotations['description'] ?? '')}`, maxSectionText) },
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: clip(
            `${fields}   *since*: ${since}${resolved && alert.ends_at ? `   *resolved*: ${new Date(alert.ends_at).toISOString()}` : ''}`,
            maxSectionText,
          ),
        },
      ],
    },
  ];
  if (runbook) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`<${runbook}|Runbook>`, maxSectionText) } });
  return { text: clip(`${escapeMrkdwn(title)}: ${summary}`, maxSectionText), blocks };
}
