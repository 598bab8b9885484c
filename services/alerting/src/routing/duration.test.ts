import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration (Prometheus duration strings)', () => {
  it('reads single and compound units, largest first', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('4h')).toBe(14_400_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1m30ms')).toBe(60_030);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('1w')).toBe(604_800_000);
    expect(parseDuration('1y')).toBe(365 * 86_400_000);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('0s')).toBe(0);
  });

  it('rejects what Prometheus rejects', () => {
    for (const bad of ['', '30', '1.5h', '-5m', '30m1h', '5m5m', '1 h', ' 5m', '5min', 'h', '1H', '99999999999999999y']) {
      expect(parseDuration(bad), bad).toBeUndefined();
    }
  });

  it('formats back to the shortest duration', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(500)).toBe('500ms');
    expect(formatDuration(0)).toBe('0s');
    expect(parseDuration(formatDuration(93_784_005))).toBe(93_784_005);
  });
});
