import { describe, expect, it } from 'vitest';
import { alertingErrors } from '../errors.js';
import { parseFilterMatcher, silenceMatchesFilters } from './silence-filter.js';
import type { Silence, SilenceMatcher } from './silence.js';

function silence(matchers: SilenceMatcher[]): Silence {
  return { id: 's', matchers, startsAt: 0, endsAt: 1, createdBy: 'a', comment: 'c', updatedAt: 0 };
}

describe('parseFilterMatcher', () => {
  it('reads the four operators, bare or quoted values', () => {
    const parsed = ['alertname=DiskFull', 'severity!="warning"', 'job =~ "api|web"', 'instance!~db-.*', 'msg="say \\"hi\\"\\n\\\\"'].map(
      (t) => {
        const m = parseFilterMatcher(t);
        return [m.name, m.type, m.value];
      },
    );
    expect(parsed).toEqual([
      ['alertname', '=', 'DiskFull'],
      ['severity', '!=', 'warning'],
      ['job', '=~', 'api|web'],
      ['instance', '!~', 'db-.*'],
      ['msg', '=', 'say "hi"\n\\'],
    ]);
  });

  it('refuses what is not a matcher, with TW_ALERT_SILENCE_FILTER_INVALID', () => {
    for (const bad of ['alertname', '=x', '1a=b', 'a="unterminated', 'a="x"y', 'a="\\q"', 'a=~(']) {
      let caught: unknown;
      try {
        parseFilterMatcher(bad);
      } catch (err) {
        caught = err;
      }
      expect(alertingErrors.is(caught, 'TW_ALERT_SILENCE_FILTER_INVALID'), bad).toBe(true);
    }
  });
});

describe('silenceMatchesFilters', () => {
  const s = silence([
    { name: 'alertname', value: 'DiskFull', type: '=' },
    { name: 'instance', value: 'db-.*', type: '=~' },
  ]);
  const f = (...texts: string[]) => texts.map(parseFilterMatcher);

  it("matches the filters against the silence's matchers read as labels", () => {
    expect(silenceMatchesFilters(s, f())).toBe(true);
    expect(silenceMatchesFilters(s, f('alertname=DiskFull'))).toBe(true);
    expect(silenceMatchesFilters(s, f('alertname=~Disk.*', 'instance="db-.*"'))).toBe(true);
    expect(silenceMatchesFilters(s, f('alertname=DiskFull', 'instance=web'))).toBe(false);
    expect(silenceMatchesFilters(s, f('alertname!=DiskFull'))).toBe(false);
    expect(silenceMatchesFilters(s, f('team=payments'))).toBe(false);
  });

  it('skips empty-valued filters that cannot decide, as Alertmanager does', () => {
    expect(silenceMatchesFilters(s, f('team=""'))).toBe(true);
    expect(silenceMatchesFilters(s, f('alertname!=""'))).toBe(true);
    expect(silenceMatchesFilters(s, f('alertname=""'))).toBe(false);
  });
});
