import { alertingErrors } from '../errors.js';
import type { LabelMatcherSpec, MatchType } from '../matching/label-matcher.js';

/** Alertmanager's classic matcher regex: name, operator, raw value (trimmed). */
const matcherPattern = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*([\s\S]*?)\s*$/;

export interface ParsedMatcher {
  readonly name: string;
  readonly value: string;
  readonly type: MatchType;
}

function invalid(message: string): never {
  throw alertingErrors.create('TW_ALERT_CONFIG_INVALID', message);
}

/**
 * Parses one matcher in Alertmanager's string syntax: `name=value`, `name="value"`, `name!=""`,
 * `name=~"re"`, `name!~"re"`. As Alertmanager does, a value may be quoted; inside it `\"`, `\\`
 * and `\n` are escapes, any other backslash is literal, and an unescaped `"` is an error.
 */
export function parseMatcher(text: string): ParsedMatcher {
  const m = matcherPattern.exec(text);
  const [, name, op, raw] = m ?? [];
  if (name === undefined || op === undefined || raw === undefined) return invalid(`bad matcher format: ${text}`);
  const quoted = raw.startsWith('"');
  const chars = Array.from(quoted ? raw.slice(1) : raw);
  let value = '';
  let escaped = false;
  let closed = !quoted;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] ?? '';
    if (escaped) {
      escaped = false;
      if (c === 'n') value += '\n';
      else if (c === '"' || c === '\\') value += c;
      else value += `\\${c}`; // a spurious escape stays literal, as in Alertmanager
      continue;
    }
    if (c === '\\') {
      if (i < chars.length - 1) escaped = true;
      else value += '\\';
    } else if (c === '"') {
      if (closed || i < chars.length - 1) return invalid(`matcher value contains unescaped double quote: ${raw}`);
      closed = true;
    } else {
      value += c;
    }
  }
  if (!closed) return invalid(`matcher value contains unescaped double quote: ${raw}`);
  return { name, value, type: op as MatchType };
}

/**
 * Parses one line of a `matchers:` list, which (as in Alertmanager) may hold several
 * comma-separated matchers, optionally in braces: `{severity="critical", model=~"fraud-.*"}`.
 * Commas inside quoted values do not split.
 */
export function parseMatchers(text: string): ParsedMatcher[] {
  let s = text.trim();
  if (s.startsWith('{')) s = s.slice(1);
  if (s.endsWith('}')) s = s.slice(0, -1);
  const tokens: string[] = [];
  let token = '';
  let insideQuotes = false;
  let escaped = false;
  for (const c of s) {
    if (c === ',' && !insideQuotes) {
      tokens.push(token);
      token = '';
      continue;
    }
    if (c === '"') {
      if (escaped) escaped = false;
      else insideQuotes = !insideQuotes;
    } else if (c === '\\') {
      escaped = !escaped;
    } else {
      escaped = false;
    }
    token += c;
  }
  if (token.trim() !== '') tokens.push(token);
  return tokens.map(parseMatcher);
}

/** Writes a matcher back in the string syntax (values always quoted), e.g. for logs. */
export function formatMatcher(m: LabelMatcherSpec): string {
  const value = m.value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `${m.name}${m.type ?? '='}"${value}"`;
}
