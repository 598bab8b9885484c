import type { Alert } from '@tidewater/schemas';
import type { Labels } from '../matching/label-matcher.js';
import type { Notification } from '../notification.js';
import { alertsInReadingOrder, commonAnnotations, countByStatus, severityOf, utcTime } from './notification-facts.js';
import { clip, escapeMrkdwn, mrkdwnLink, slackLimits } from './slack-text.js';

export interface SlackTextObject {
  readonly type: 'mrkdwn' | 'plain_text';
  readonly text: string;
  readonly emoji?: boolean;
}

/** The Block Kit blocks we write (a subset of Slack's). */
export type SlackBlock =
  | { readonly type: 'header'; readonly text: SlackTextObject }
  | { readonly type: 'section'; readonly text: SlackTextObject }
  | { readonly type: 'context'; readonly elements: readonly SlackTextObject[] };

/** What an incoming webhook takes: `text` is the push-notification fallback and always set. */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

export interface SlackMessageOptions {
  /** Alerts listed one per line in a grouped notification before "+N more"; a phone screen holds ~20. */
  readonly maxListedAlerts?: number;
}

const icons: Record<string, string> = {
  critical: ':red_circle:',
  error: ':red_circle:',
  warning: ':large_orange_circle:',
  info: ':large_blue_circle:',
};
const resolvedIcon = ':white_check_mark:';
/**
 * One alert's line in a grouped list: long enough for labels, summary and links, short enough to
 * scan. What gives way when it is too long is the summary and figures, then the name; never the
 * since-when or a link (a clipped URL is a broken link).
 */
const maxLineChars = 500;
/** The shortest an alert's name is clipped to before anything else gives way. */
const minNameChars = 40;

/**
 * A Slack message for a notification, written for a person on a phone: severity, alert name and
 * model in the header (with the firing/resolved counts of a group); the summary, description and
 * figures against thresholds; the labels and since when; links to the runbook and to the trace or
 * dashboard (`generator_url`); and for a group, one compact line per alert, firing and worst first.
 * Everything stays inside Slack's limits (50 blocks, 3000 characters a section, 150 the header):
 * texts are clipped with `…` and alerts that do not fit end in a "+N more" line.
 */
export function slackNotificationMessage(n: Notification, options: SlackMessageOptions = {}): SlackMessage {
  const maxListed = options.maxListedAlerts ?? 20;
  const alerts = alertsInReadingOrder(n.alerts);
  const single = alerts.length === 1 ? alerts[0] : undefined;
  const labels: Labels = single ? { ...n.commonLabels, ...single.labels } : n.commonLabels;
  const annotations = single ? single.annotations : commonAnnotations(alerts);
  const title = headerTitle(n, alerts, labels);

  const fixed: SlackBlock[] = [{ type: 'header', text: { type: 'plain_text', text: title, emoji: true } }];
  const summary = summaryText(annotations);
  if (summary) fixed.push(section(summary));
  const figures = figuresText(annotations['figures']);
  if (figures) fixed.push(section(figures));
  fixed.push({ type: 'context', elements: [mrkdwn(clip(contextText(n, alerts, labels, single), slackLimits.sectionText))] });
  const generatorUrl = single ? single.generator_url : commonGeneratorUrl(alerts);
  const links =
    single || annotations['runbook_url'] ? linksText(annotations['runbook_url'], generatorUrl) : groupLinksText(alerts, generatorUrl);
  if (links) fixed.push(section(links));

  const blocks = single
    ? fixed
    : [...fixed, ...alertList(alerts, n.commonLabels, annotations, maxListed, slackLimits.blocks - fixed.length)];
  return { text: fallbackText(title, annotations, alerts), blocks };
}

function mrkdwn(text: string): SlackTextObject {
  return { type: 'mrkdwn', text };
}

function section(text: string): SlackBlock {
  return { type: 'section', text: mrkdwn(clip(text, slackLimits.sectionText)) };
}

/** Slack renders `<!date^…>` in the reader's own time zone; the UTC text is the fallback. */
function slackDate(ms: number): string {
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${utcTime(ms)}>`;
}

function distinct(alerts: readonly Alert[], label: string): string[] {
  return [...new Set(alerts.flatMap((a) => (a.labels[label] ? [a.labels[label]] : [])))];
}

function headerTitle(n: Notification, alerts: readonly Alert[], labels: Labels): string {
  const resolved = n.status === 'resolved';
  const severity = severityOf(n);
  const icon = resolved ? resolvedIcon : (icons[severity] ?? ':warning:');
  const alertname = labels['alertname'] || distinct(alerts, 'alertname').join(', ') || 'alert';
  const models = distinct(alerts, 'model');
  const model = labels['model'] || (models.length > 1 ? `${models.length} models` : (models[0] ?? ''));
  const { firing, resolved: done } = countByStatus(alerts);
  const counts =
    alerts.length > 1 ? ` (${[firing > 0 ? `${firing} firing` : '', done > 0 ? `${done} resolved` : ''].filter(Boolean).join(', ')})` : '';
  // The counts go last but are never clipped away: a long alert name gives way instead.
  const name = `${icon} ${resolved ? 'RESOLVED' : severity.toUpperCase()}: ${alertname} ${model}`.trim();
  return `${clip(name, slackLimits.headerText - counts.length)}${counts}`;
}

function summaryText(annotations: Labels): string | undefined {
  const summary = annotations['summary'];
  const description = annotations['description'];
  const parts = [summary ? `*${escapeMrkdwn(summary)}*` : '', description ? escapeMrkdwn(description) : ''].filter(Boolean);
  return parts.length > 0 ? parts.join('\n') : undefined;
}

/** The drift figures (`amount: PSI 1.235 >= 0.2; …`) as a bullet list, one measure a line. */
function figuresText(figures: string | undefined): string | undefined {
  const items = (figures ?? '')
    .split(';')
    .map((f) => f.trim())
    .filter(Boolean);
  if (items.length === 0) return undefined;
  return `*Figures vs thresholds*\n${items.map((f) => `• ${escapeMrkdwn(f)}`).join('\n')}`;
}

function contextText(n: Notification, alerts: readonly Alert[], labels: Labels, single: Alert | undefined): string {
  const shown = single ? labels : { ...n.groupLabels, ...n.commonLabels };
  const fields = Object.entries(shown)
    .filter(([k]) => k !== 'alertname')
    .map(([k, v]) => `*${escapeMrkdwn(k)}*: ${escapeMrkdwn(v)}`);
  const starts = alerts.map((a) => a.starts_at);
  if (starts.length > 0) fields.push(`*since*: ${slackDate(Math.min(...starts))}`);
  if (single?.status === 'resolved' && single.ends_at !== null) fields.push(`*resolved*: ${slackDate(single.ends_at)}`);
  return fields.join('   ');
}

function commonGeneratorUrl(alerts: readonly Alert[]): string | null {
  const urls = new Set(alerts.map((a) => a.generator_url));
  const [only] = urls;
  return urls.size === 1 ? (only ?? null) : null;
}

function linksText(runbookUrl: string | undefined, generatorUrl: string | null): string | undefined {
  const links = [
    runbookUrl ? mrkdwnLink(runbookUrl, ':book: Runbook') : undefined,
    generatorUrl ? mrkdwnLink(generatorUrl, ':mag: Trace / dashboard') : undefined,
  ].filter((l): l is string => l !== undefined);
  return links.length > 0 ? links.join('   ') : undefined;
}

/**
 * A group without one common runbook lists the runbooks of its alerts, each named by the alert
 * names that use it, as many as a section holds: so every kind of alert in it can be looked up,
 * listed below or not.
 */
function groupLinksText(alerts: readonly Alert[], generatorUrl: string | null): string | undefined {
  const byRunbook = new Map<string, Set<string>>();
  for (const a of alerts) {
    const url = a.annotations['runbook_url'];
    if (!url || mrkdwnLink(url, '') === undefined) continue;
    const names = byRunbook.get(url) ?? new Set<string>();
    names.add(a.labels['alertname'] ?? 'alert');
    byRunbook.set(url, names);
  }
  const trace = generatorUrl ? mrkdwnLink(generatorUrl, ':mag: Trace / dashboard') : undefined;
  if (byRunbook.size === 0) return trace;
  const head = byRunbook.size === 1 ? '' : ':book: *Runbooks*: ';
  const tail = trace ? `   ${trace}` : '';
  const links: string[] = [];
  const used = new Set<string>();
  let shown = 0;
  for (const [url, names] of byRunbook) {
    let label = byRunbook.size === 1 ? ':book: Runbook' : clip([...names].join(', '), 60);
    for (let n = 2; used.has(label); n++) label = `${clip([...names].join(', '), 55)} (${n})`;
    used.add(label);
    const link = mrkdwnLink(url, label)!;
    const more = byRunbook.size - shown - 1 > 0 ? ` · +${byRunbook.size - shown - 1} more` : '';
    if (head.length + [...links, link].join(' · ').length + more.length + tail.length > slackLimits.sectionText) break;
    links.push(link);
    shown++;
  }
  const rest = byRunbook.size - shown;
  return `${head}${links.join(' · ')}${rest > 0 ? ` · +${rest} more` : ''}${tail}`;
}

/** One alert of a group in a line: what tells it apart from the others, then what is not common, then since when and its links. */
function alertLine(a: Alert, commonLabels: Labels, common: Labels): string {
  const own = Object.entries(a.labels).filter(([k, v]) => commonLabels[k] !== v && k !== 'severity');
  const name = escapeMrkdwn(own.length > 0 ? own.map(([k, v]) => `${k}=${v}`).join(', ') : (a.labels['alertname'] ?? a.fingerprint));
  const icon = a.status === 'resolved' ? resolvedIcon : (icons[a.labels['severity'] ?? ''] ?? ':warning:');
  const details: string[] = [];
  const summary = a.annotations['summary'];
  if (summary && summary !== common['summary']) details.push(escapeMrkdwn(summary));
  const figures = a.annotations['figures'];
  if (figures && figures !== common['figures']) details.push(escapeMrkdwn(figures));
  const since = a.status === 'resolved' && a.ends_at !== null ? `resolved ${slackDate(a.ends_at)}` : `since ${slackDate(a.starts_at)}`;
  const runbook = a.annotations['runbook_url'];
  const links = linksText(runbook && runbook !== common['runbook_url'] ? runbook : undefined, a.generator_url);
  // What must survive: since when and the links. The name gives way down to minNameChars, the
  // summary and figures to whatever is left.
  const kept = [since, ...(links ? [links] : [])].join(' · ');
  const frame = `${icon} **`.length + ' · '.length;
  const nameBudget = Math.max(minNameChars, maxLineChars - frame - kept.length);
  const shownName = clipEscaped(name, nameBudget);
  const detailBudget = maxLineChars - frame - shownName.length - kept.length - ' · '.length;
  const detail = details.length > 0 && detailBudget >= 10 ? clipEscaped(details.join(' · '), detailBudget) : '';
  const line = [`${icon} *${shownName}*`, ...(detail ? [detail] : []), kept].join(' · ');
  // Only absurdly long links can overflow a section; then they go rather than break.
  return line.length <= slackLimits.sectionText ? line : clip(`${icon} *${shownName}* · ${since}`, slackLimits.sectionText);
}

/** Clips escaped mrkdwn without cutting an entity (`&amp;`) in half. */
function clipEscaped(text: string, max: number): string {
  const cut = clip(text, max);
  return cut === text ? cut : cut.replace(/&[a-z]{0,4}…$/, '…');
}

/**
 * The alerts of a group, packed into as few sections as fit in `blockBudget` (one block is kept
 * for the "+N more" line), at most `maxListed` of them.
 */
function alertList(alerts: readonly Alert[], commonLabels: Labels, common: Labels, maxListed: number, blockBudget: number): SlackBlock[] {
  const sectionsAllowed = blockBudget - 1;
  const limit = sectionsAllowed >= 1 ? maxListed : 0;
  const sections: string[] = [];
  let current = '';
  let shown = 0;
  for (const a of alerts) {
    if (shown >= limit) break;
    const line = alertLine(a, commonLabels, common);
    if (current === '' || current.length + 1 + line.length <= slackLimits.sectionText) {
      current = current === '' ? line : `${current}\n${line}`;
    } else {
      if (sections.length + 2 > sectionsAllowed) break;
      sections.push(current);
      current = line;
    }
    shown++;
  }
  if (current !== '') sections.push(current);
  const blocks = sections.map(section);
  const rest = alerts.slice(shown);
  if (rest.length > 0) {
    const { firing, resolved } = countByStatus(rest);
    const split = [firing > 0 ? `${firing} firing` : '', resolved > 0 ? `${resolved} resolved` : ''].filter(Boolean).join(', ');
    blocks.push({ type: 'context', elements: [mrkdwn(`+${rest.length} more (${split})`)] });
  }
  return blocks;
}

function fallbackText(title: string, annotations: Labels, alerts: readonly Alert[]): string {
  const summary =
    annotations['summary'] ??
    alerts
      .slice(0, 3)
      .map((a) => a.annotations['summary'])
      .filter(Boolean)
      .join('; ');
  const more = annotations['summary'] === undefined && alerts.length > 3 ? ` (+${alerts.length - 3} more)` : '';
  return clip(escapeMrkdwn(summary ? `${title}: ${summary}${more}` : title), slackLimits.fallbackText);
}
