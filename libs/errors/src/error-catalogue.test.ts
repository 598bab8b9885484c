import { describe, expect, it } from 'vitest';
import { TidewaterError, defineErrors, errorCode, isRetriable } from './error-catalogue.js';

const errors = defineErrors('TW_TEST_', {
  TW_TEST_DOWN: { retriable: true, description: 'down' },
  TW_TEST_BAD: { retriable: false, description: 'bad' },
});

describe('defineErrors', () => {
  it('creates errors carrying code, retriable flag and cause', () => {
    const cause = new Error('socket');
    const e = errors.create('TW_TEST_DOWN', 'broker down', { cause, details: { broker: 1 } });
    expect(e).toBeInstanceOf(TidewaterError);
    expect(e.code).toBe('TW_TEST_DOWN');
    expect(e.retriable).toBe(true);
    expect(e.cause).toBe(cause);
    expect(e.details).toEqual({ broker: 1 });
    expect(errors.is(e, 'TW_TEST_DOWN')).toBe(true);
    expect(errors.is(e, 'TW_TEST_BAD')).toBe(false);
    expect(isRetriable(errors.create('TW_TEST_BAD', 'x'))).toBe(false);
  });

  it('refuses a code without the package prefix', () => {
    expect(() => defineErrors('TW_A_', { TW_B_X: { retriable: false, description: 'x' } })).toThrow(/TW_B_X/);
  });

  it('reads codes and retriable flags off foreign errors', () => {
    expect(errorCode(new Error('x'), 'TW_UNKNOWN')).toBe('TW_UNKNOWN');
    expect(isRetriable(Object.assign(new Error('kafkajs'), { retriable: true }))).toBe(true);
  });
});
