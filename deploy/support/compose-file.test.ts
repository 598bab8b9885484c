import { describe, expect, it } from 'vitest';
import { durationMs, interpolate, publishedPorts, requiredHostVariables, serviceEnvironment } from './compose-file.js';

describe('interpolate', () => {
  it("follows Compose's rules for unset and empty variables", () => {
    const env = { SET: 'x', EMPTY: '' };
    expect(interpolate('a-${SET}-$SET-$$SET', env)).toBe('a-x-x-$SET');
    expect(interpolate('${NOPE:-d} ${EMPTY:-d} ${EMPTY-d} ${NOPE-d}', env)).toBe('d d  d');
    expect(interpolate('${SET:+alt}|${EMPTY:+alt}|${EMPTY+alt}', env)).toBe('alt||alt');
    expect(() => interpolate('${NOPE:?set NOPE}', env)).toThrow('NOPE is required: set NOPE');
    expect(() => interpolate('${EMPTY:?must not be empty}', env)).toThrow(/EMPTY is required/);
    expect(interpolate('${EMPTY?only unset fails}', env)).toBe('');
  });

  it('lists the variables a value requires from the host', () => {
    expect(requiredHostVariables('${A:?x} ${B?y} ${C:-z}')).toEqual(['A', 'B']);
  });
});

describe('serviceEnvironment', () => {
  it('reads map and list forms, passing host variables through for entries without a value', () => {
    expect(serviceEnvironment({ environment: { A: 1, B: '${H}', C: null } }, { H: 'h', C: 'c' })).toEqual({ A: '1', B: 'h', C: 'c' });
    expect(serviceEnvironment({ environment: ['A=1=2', 'C'] }, { C: 'c' })).toEqual({ A: '1=2', C: 'c' });
  });
});

describe('publishedPorts and durationMs', () => {
  it('parse the short port syntax and Compose durations', () => {
    expect(publishedPorts({ ports: ['127.0.0.1:${P:-9092}:9092', '8080:80/tcp', 3000] }, {})).toEqual([
      { hostIp: '127.0.0.1', hostPort: 9092, containerPort: 9092 },
      { hostIp: undefined, hostPort: 8080, containerPort: 80 },
      { hostIp: undefined, hostPort: undefined, containerPort: 3000 },
    ]);
    expect(durationMs('1m30s')).toBe(90_000);
    expect(durationMs('1500ms')).toBe(1500);
    expect(() => durationMs('soon')).toThrow(/not a duration/);
  });
});
