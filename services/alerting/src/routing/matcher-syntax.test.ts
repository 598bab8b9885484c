import { describe, expect, it } from 'vitest';
import { alertingErrors } from '../errors.js';
import { formatMatcher, parseMatcher, parseMatchers } from './matcher-syntax.js';

describe('parseMatcher (Alertmanager matcher syntax)', () => {
  it('reads the four operators, quoted or not', () => {
    expect(parseMatcher('severity=critical')).toEqual({ name: 'severity', value: 'critical', type: '=' });
    expect(parseMatcher('severity="critical"')).toEqual({ name: 'severity', value: 'critical', type: '=' });
    expect(parseMatcher('severity!="info"')).toEqual({ name: 'severity', value: 'info', type: '!=' });
    expect(parseMatcher('model=~"fraud-.*"')).toEqual({ name: 'model', value: 'fraud-.*', type: '=~' });
    expect(parseMatcher('model!~fraud-.*')).toEqual({ name: 'model', value: 'fraud-.*', type: '!~' });
  });

  it('allows empty values and spaces around the operator', () => {
    expect(parseMatcher('team=')).toEqual({ name: 'team', value: '', type: '=' });
    expect(parseMatcher('team!=""')).toEqual({ name: 'team', value: '', type: '!=' });
    expect(parseMatcher('  team =~ "a|b"  ')).toEqual({ name: 'team', value: 'a|b', type: '=~' });
  });

  it('unescapes \\" \\\\ and \\n, keeps other backslashes (regex escapes) literal', () => {
    expect(parseMatcher(String.raw`summary="say \"hi\""`).value).toBe('say "hi"');
    expect(parseMatcher(String.raw`path="C:\\tmp"`).value).toBe('C:\\tmp');
    expect(parseMatcher(String.raw`text="a\nb"`).value).toBe('a\nb');
    expect(parseMatcher(String.raw`instance=~"host\.example:\d+"`).value).toBe(String.raw`host\.example:\d+`);
  });

  it('rejects unescaped or unbalanced quotes and bad formats', () => {
    for (const bad of ['severity="crit"ical"', 'severity="critical', 'severity=critical"', 'severity', '=x', '1abc=x', 'a==b"']) {
      expect(() => parseMatcher(bad), bad).toThrow();
    }
    try {
      parseMatcher('severity');
    } catch (err) {
      expect(alertingErrors.is(err, 'TW_ALERT_CONFIG_INVALID')).toBe(true);
    }
  });
});

describe('parseMatchers (one matchers: line)', () => {
  it('splits on commas outside quotes, with or without braces', () => {
    expect(parseMatchers('{severity="critical", model=~"fraud-.*"}')).toEqual([
      { name: 'severity', value: 'critical', type: '=' },
      { name: 'model', value: 'fraud-.*', type: '=~' },
    ]);
    expect(parseMatchers('a=1,b!=2')).toHaveLength(2);
    expect(parseMatchers('{}')).toEqual([]);
  });

  it('does not split on commas inside quoted values, escaped quotes included', () => {
    expect(parseMatchers('team=~"a,b|c", summary="x, \\"y, z\\""')).toEqual([
      { name: 'team', value: 'a,b|c', type: '=~' },
      { name: 'summary', value: 'x, "y, z"', type: '=' },
    ]);
  });

  it('round-trips through formatMatcher', () => {
    const m = { name: 'summary', value: 'a "quoted", \\ value\nline', type: '=' as const };
    expect(parseMatchers(formatMatcher(m))).toEqual([m]);
  });
});
