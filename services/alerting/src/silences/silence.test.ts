import { describe, expect, it } from 'vitest';
import { alertingErrors } from '../errors.js';
import {
  parseSilenceInput,
  silenceLimits,
  silenceState,
  silencedBy,
  sortSilencesForDisplay,
  type Silence,
  type SilenceInput,
} from './silence.js';

const t0 = Date.UTC(2025, 0, 1, 12);
const hour = 3_600_000;

const valid = {
  matchers: [{ name: 'alertname', value: 'DiskFull', type: '=' }],
  startsAt: t0,
  endsAt: t0 + hour,
  createdBy: 'ana',
  comment: 'disk swap in progress',
};

function problemsOf(input: unknown): { path: string; message: string }[] {
  try {
    parseSilenceInput(input);
  } catch (err) {
    if (alertingErrors.is(err, 'TW_ALERT_SILENCE_INVALID')) return err.details?.['problems'] as { path: string; message: string }[];
    throw err;
  }
  throw new Error('expected the silence to be refused');
}

function silence(id: string, matchers: SilenceInput['matchers'], startsAt = t0, endsAt = t0 + hour): Silence {
  return { id, matchers, startsAt, endsAt, createdBy: 'ana', comment: 'c', updatedAt: t0 };
}

describe('parseSilenceInput', () => {
  it('accepts a valid silence, reading RFC 3339 times as epoch ms', () => {
    const parsed = parseSilenceInput({ ...valid, startsAt: '2025-01-01T12:00:00Z', endsAt: '2025-01-01T14:00:00.500+01:00' });
    expect(parsed).toEqual({ ...valid, endsAt: t0 + hour + 500 });
  });

  it("reads Alertmanager's isRegex/isEqual flags as the matcher type, isEqual defaulting to true", () => {
    const parsed = parseSilenceInput({
      ...valid,
      matchers: [
        { name: 'a', value: 'x', isRegex: false },
        { name: 'b', value: 'x', isRegex: false, isEqual: false },
        { name: 'c', value: 'x.*', isRegex: true },
        { name: 'd', value: 'x.*', isRegex: true, isEqual: false },
        { name: 'e', value: 'x' },
      ],
    });
    expect(parsed.matchers.map((m) => m.type)).toEqual(['=', '!=', '=~', '!~', '=']);
  });

  it('refuses a type that contradicts the flags', () => {
    expect(problemsOf({ ...valid, matchers: [{ name: 'a', value: 'x', type: '=', isRegex: true }] })).toEqual([
      { path: 'matchers.0.type', message: expect.stringContaining('contradicts') },
    ]);
  });

  it('lists every problem at once', () => {
    const problems = problemsOf({ matchers: [], startsAt: t0 + hour, endsAt: t0, createdBy: ' ', comment: '' });
    expect(problems.map((p) => p.path).sort()).toEqual(['comment', 'createdBy', 'endsAt', 'matchers']);
    expect(problems.find((p) => p.path === 'endsAt')?.message).toBe('must be after startsAt');
  });

  it('refuses endsAt equal to startsAt', () => {
    expect(problemsOf({ ...valid, endsAt: t0 }).map((p) => p.path)).toEqual(['endsAt']);
  });

  it('refuses a silence whose matchers all match the empty string (it would mute every alert)', () => {
    const everything = [
      [{ name: 'severity', value: '', type: '=' }],
      [{ name: 'a', value: '.*', type: '=~' }],
      [
        { name: 'a', value: 'x', type: '!=' },
        { name: 'b', value: 'y', type: '!~' },
      ],
    ];
    for (const matchers of everything) {
      expect(problemsOf({ ...valid, matchers })).toEqual([{ path: 'matchers', message: expect.stringContaining('empty string') }]);
    }
    // One matcher that needs a real value is enough.
    expect(() =>
      parseSilenceInput({
        ...valid,
        matchers: [
          { name: 'a', value: 'x', type: '!=' },
          { name: 'b', value: '.+', type: '=~' },
        ],
      }),
    ).not.toThrow();
  });

  it('refuses invalid regexes, label names and times, naming the field', () => {
    const problems = problemsOf({
      ...valid,
      matchers: [
        { name: 'job', value: '(unclosed', type: '=~' },
        { name: '1bad', value: 'x' },
      ],
      startsAt: 'yesterday',
    });
    expect(problems.map((p) => p.path).sort()).toEqual(['matchers.0.value', 'matchers.1.name', 'startsAt']);
    expect(problems.find((p) => p.path === 'startsAt')?.message).toMatch(/RFC 3339/);
  });

  it('bounds lengths and counts', () => {
    const tooMany = Array.from({ length: silenceLimits.maxMatchers + 1 }, (_, i) => ({ name: `l${i}`, value: 'x' }));
    const problems = problemsOf({
      ...valid,
      matchers: tooMany,
      comment: 'x'.repeat(silenceLimits.maxCommentLength + 1),
      createdBy: 'x'.repeat(silenceLimits.maxCreatedByLength + 1),
    });
    expect(problems.map((p) => p.path).sort()).toEqual(['comment', 'createdBy', 'matchers']);
    expect(problemsOf({ ...valid, matchers: [{ name: 'a', value: 'x'.repeat(silenceLimits.maxValueLength + 1) }] })).toHaveLength(1);
  });
});

describe('silenceState', () => {
  it('is pending before startsAt, active from startsAt, expired from endsAt', () => {
    const s = silence('s', valid.matchers as SilenceInput['matchers']);
    expect(silenceState(s, t0 - 1)).toBe('pending');
    expect(silenceState(s, t0)).toBe('active');
    expect(silenceState(s, t0 + hour - 1)).toBe('active');
    expect(silenceState(s, t0 + hour)).toBe('expired');
  });
});

describe('silencedBy', () => {
  const labels = { alertname: 'DiskFull', severity: 'critical', instance: 'db-1:9100' };

  it('applies all four matcher types, and a missing label counts as empty', () => {
    const silences = [
      silence('eq', [{ name: 'alertname', value: 'DiskFull', type: '=' }]),
      silence('eq-miss', [{ name: 'alertname', value: 'Disk', type: '=' }]),
      silence('ne', [{ name: 'severity', value: 'warning', type: '!=' }]),
      silence('ne-miss', [{ name: 'severity', value: 'critical', type: '!=' }]),
      silence('re', [{ name: 'instance', value: 'db-.*', type: '=~' }]),
      silence('re-anchored', [{ name: 'instance', value: 'db', type: '=~' }]),
      silence('nre', [{ name: 'instance', value: 'web-.*', type: '!~' }]),
      silence('nre-miss', [{ name: 'instance', value: 'db-.*', type: '!~' }]),
      silence('absent-ne', [
        { name: 'team', value: 'payments', type: '!=' },
        { name: 'alertname', value: 'DiskFull', type: '=' },
      ]),
    ];
    expect(silencedBy(labels, silences, t0)).toEqual(['eq', 'ne', 're', 'nre', 'absent-ne']);
  });

  it('needs every matcher of a silence to match', () => {
    const s = silence('both', [
      { name: 'alertname', value: 'DiskFull', type: '=' },
      { name: 'severity', value: 'warning', type: '=' },
    ]);
    expect(silencedBy(labels, [s], t0)).toEqual([]);
  });

  it('only counts silences active at now: pending -> active -> expired', () => {
    const s = silence('s', [{ name: 'alertname', value: 'DiskFull', type: '=' }], t0, t0 + hour);
    expect(silencedBy(labels, [s], t0 - 1)).toEqual([]);
    expect(silencedBy(labels, [s], t0)).toEqual(['s']);
    expect(silencedBy(labels, [s], t0 + hour - 1)).toEqual(['s']);
    expect(silencedBy(labels, [s], t0 + hour)).toEqual([]);
  });
});

describe('sortSilencesForDisplay', () => {
  it('lists active by endsAt, then pending by startsAt, then expired most recent first', () => {
    const m = [{ name: 'a', value: 'x', type: '=' as const }];
    const now = t0;
    const silences = [
      silence('expired-old', m, t0 - 5 * hour, t0 - 4 * hour),
      silence('pending-late', m, t0 + 3 * hour, t0 + 4 * hour),
      silence('active-long', m, t0 - hour, t0 + 5 * hour),
      silence('expired-recent', m, t0 - 2 * hour, t0 - hour),
      silence('pending-soon', m, t0 + hour, t0 + 4 * hour),
      silence('active-short', m, t0 - hour, t0 + hour),
    ];
    expect(sortSilencesForDisplay(silences, now).map((s) => s.id)).toEqual([
      'active-short',
      'active-long',
      'pending-soon',
      'pending-late',
      'expired-recent',
      'expired-old',
    ]);
  });
});
