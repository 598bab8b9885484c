/** Slack's Block Kit limits: we truncate to stay inside them rather than be rejected. */
export const slackLimits = {
  blocks: 50,
  sectionText: 3000,
  headerText: 150,
  /** Slack truncates `text` past 40,000 characters; our fallback stays far below. */
  fallbackText: 3000,
} as const;

/** Cuts `text` to at most `max` characters, ending in `…` when it had to cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never end on half of a surrogate pair (an emoji): a lone surrogate is not valid UTF-8.
  const cut = text.slice(0, max - 1).replace(/[\uD800-\uDBFF]$/, '');
  return `${cut}…`;
}

/**
 * Slack reads &, < and > in mrkdwn as control characters (`<!channel>` pings everyone, `<url|x>`
 * is a link), so text from alert labels and annotations is escaped as Slack's docs ask.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A mrkdwn link `<url|label>`, or undefined when `url` is not http(s): an annotation is
 * untrusted text, and `|` or `>` inside it would otherwise end the link early and forge another.
 */
export function mrkdwnLink(url: string, label: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  const safeUrl = escapeMrkdwn(parsed.href).replace(/\|/g, '%7C');
  return `<${safeUrl}|${escapeMrkdwn(label)}>`;
}
