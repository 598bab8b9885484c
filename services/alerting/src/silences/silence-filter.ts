import { alertingErrors } from '../errors.js';
import { compileMatcher, matchTypes, type LabelMatcher } from '../matching/label-matcher.js';
import type { Silence } from './silence.js';

// name, operator, rest. Operators longest first so `=~` is not read as `=` followed by `~...`.
const filterPattern = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/s;

function filterInvalid(text: string, why: string): never {
  throw alertingErrors.create('TW_ALERT_SILENCE_FILTER_INVALID', `filter ${JSON.stringify(text)}: ${why}`, { details: { filter: text } });
}

/** Reads a double-quoted value, undoing `\"`, `\\` and `\n` as Alertmanager's matcher syntax does. */
function unquote(text: string, raw: string): string {
  let out = '';
  for (let i = 1; i < raw.length; i++) {
    const c = raw[i];
    if (c === '"') {
      if (i !== raw.length - 1) filterInvalid(text, 'text after the closing quote');
      return out;
    }
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = raw[++i];
    if (next === 'n') out += '\n';
    else if (next === '"' || next === '\\') out += next;
    else filterInvalid(text, `unknown escape \\${next ?? ''}`);
  }
  return filterInvalid(text, 'unterminated quoted value');
}

/**
 * Parses one `filter` query parameter in Alertmanager's matcher syntax: `name=value`, `name!=value`,
 * `name=~regex` or `name!~regex`, the value bare or double-quoted (`alertname="Disk full"`).
 * Throws TW_ALERT_SILENCE_FILTER_INVALID.
 */
export function parseFilterMatcher(text: string): LabelMatcher {
  const m = filterPattern.exec(text);
  if (!m) filterInvalid(text, 'expected name=value, name!=value, name=~regex or name!~regex');
  const [, name = '', op, rawValue = ''] = m;
  const type = matchTypes.find((t) => t === op) ?? '=';
  const value = rawValue.startsWith('"') ? unquote(text, rawValue) : rawValue;
  try {
    return compileMatcher({ name, value, type });
  } catch (err) {
    return filterInvalid(text, err instanceof Error ? err.message : String(err));
  }
}

/**
 * Whether a silence passes the list filters, as Alertmanager decides it: the silence's matchers are
 * read as a label set (name -> value, whatever their type) and every filter must match it. A filter
 * with an empty value is skipped when it cannot say anything (`foo=""` on a silence without a `foo`
 * matcher, `foo!=""` on one with it), as Alertmanager does.
 */
export function silenceMatchesFilters(silence: Silence, filters: readonly LabelMatcher[]): boolean {
  const labels: Record<string, string> = {};
  for (const m of silence.matchers) labels[m.name] = m.value;
  return filters.every((f) => {
    const present = Object.hasOwn(labels, f.name);
    const negative = f.type === '!=' || f.type === '!~';
    if (f.value === '' && present === negative) return true;
    return f.matches(labels);
  });
}
