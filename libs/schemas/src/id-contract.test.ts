import { describe, expect, it } from 'vitest';
import { idProblem, isWellFormedText, maxIdLength } from './id-contract.js';

describe('id contract', () => {
  it('takes 1 to 128 code units of well-formed text, astral characters included', () => {
    expect(idProblem('c-1')).toBeUndefined();
    expect(idProblem('x'.repeat(maxIdLength))).toBeUndefined();
    expect(idProblem('😀'.repeat(maxIdLength / 2))).toBeUndefined();
    expect(idProblem('__proto__')).toBeUndefined();
  });

  it('names the problem without quoting the value', () => {
    expect(idProblem(1)).toBe('must be a string, got number');
    expect(idProblem(null)).toBe('must be a string, got null');
    expect(idProblem([])).toBe('must be a string, got an array');
    expect(idProblem(' ')).toBe('must not be empty or blank');
    expect(idProblem('y'.repeat(129))).toBe('must be at most 128 characters, got 129');
    expect(idProblem('a\ud800b')).toMatch(/lone UTF-16 surrogate/);
  });

  it('finds lone surrogates, high or low, anywhere, and only them', () => {
    for (const bad of ['\ud800', 'a\udc00', '\udbff\udbff', '😀\ude00', '\ude00\ud83d']) expect(isWellFormedText(bad)).toBe(false);
    for (const good of ['', 'abc', '😀', 'é€\u{10ffff}', '\ufffd']) expect(isWellFormedText(good)).toBe(true);
  });
});
