import { describe, expect, it } from 'vitest';
import { compileMatcher, type MatchType } from './label-matcher.js';

const matches = (type: MatchType, value: string, input: string) => compileMatcher({ name: 'l', type, value }).matches({ l: input });

describe('compileMatcher', () => {
  // The table of Alertmanager's pkg/labels/matcher_test.go (TestMatcher), so our matchers answer as its do.
  it.each<[MatchType, string, string, boolean]>([
    ['=', 'bar', 'bar', true],
    ['=', 'bar', 'foo-bar', false],
    ['!=', 'bar', 'bar', false],
    ['!=', 'bar', 'foo-bar', true],
    ['=~', 'bar', 'bar', true],
    ['=~', 'bar', 'foo-bar', false],
    ['=~', '.*bar', 'foo-bar', true],
    ['!~', 'bar', 'bar', false],
    ['!~', 'bar', 'foo-bar', true],
    ['!~', '.*bar', 'foo-bar', false],
    ['=~', 'foo.bar', 'foo-bar', true],
    ['=~', 'foo\\.bar', 'foo-bar', false],
    ['=~', 'foo\\.bar', 'foo.bar', true],
    ['=', 'foo\nbar', 'foo\nbar', true],
    ['=~', 'foo.bar', 'foo\nbar', false],
    ['=~', '(?s)foo.bar', 'foo\nbar', true],
    ['=', '~!="', '~!="', true],
  ])('%s %j against %j is %s, as in Alertmanager', (type, value, input, expected) => {
    expect(matches(type, value, input)).toBe(expected);
  });

  it('anchors at both ends: the regex must match the whole value', () => {
    expect(matches('=~', 'warn', 'warning')).toBe(false);
    expect(matches('=~', 'warn|crit', 'critical')).toBe(false);
    expect(matches('=~', 'warn|crit', 'crit')).toBe(true);
    // Go's `$` without (?m) is the end of the text, not before a final newline.
    expect(matches('=~', 'a', 'a\n')).toBe(false);
  });

  it('speaks RE2 syntax: inline flags and Perl classes work', () => {
    expect(matches('=~', '(?i)DISK.*', 'diskfull')).toBe(true);
    expect(matches('=~', '\\d{2,3}', '404')).toBe(true);
    expect(matches('=~', '[[:alpha:]]+', 'abc')).toBe(true);
  });

  it('refuses what Go regexp refuses (backreferences, lookaround) with TW_ALERT_CONFIG_INVALID', () => {
    for (const value of ['(a)\\1', '(?=a)a', '(?<!a)b', '(a']) {
      expect(() => compileMatcher({ name: 'l', type: '=~', value }), value).toThrow(
        expect.objectContaining({
          code: 'TW_ALERT_CONFIG_INVALID',
          message: expect.stringContaining('not a valid regular expression (RE2 syntax)'),
        }),
      );
    }
  });

  it('cannot be broken out of its anchors', () => {
    // Compiled alone first, so text that only balances inside `^(?:…)$` is refused, not widened.
    expect(() => compileMatcher({ name: 'l', type: '=~', value: 'x)|(?:.*' })).toThrow(
      expect.objectContaining({ code: 'TW_ALERT_CONFIG_INVALID' }),
    );
  });

  it('matches in linear time: the nested quantifier that froze JavaScript regexes answers at once', () => {
    // On a backtracking engine 26 `a`s took 2.3 s and each two more multiply that by four; 5,000 would never end.
    const m = compileMatcher({ name: 'redos', type: '=~', value: '(a+)+' });
    expect(m.matches({ redos: `${'a'.repeat(5_000)}!` })).toBe(false);
    expect(m.matches({ redos: 'a'.repeat(5_000) })).toBe(true);
  });
});
