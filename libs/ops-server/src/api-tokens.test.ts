import { describe, expect, it } from 'vitest';
import { isProduction, loadApiAuth, parseTokenFile } from './api-tokens.js';
import { httpErrors } from './errors.js';

const token = 'a'.repeat(32);
const files = (map: Record<string, string>) => (path: string) => {
  const text = map[path];
  if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  return text;
};
const base = { api: 'inference admin API', fileVar: 'ADMIN_TOKEN_FILE', inlineVar: 'ADMIN_TOKEN' };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return httpErrors.is(err) ? err.code : 'not a TW_HTTP_ error';
  }
}

describe('API tokens', () => {
  it('production is NODE_ENV=production, and nothing else', () => {
    expect(isProduction({ NODE_ENV: 'production' })).toBe(true);
    expect(isProduction({ NODE_ENV: 'development' })).toBe(false);
    expect(isProduction({})).toBe(false);
  });

  it('reads one token per line, skipping blanks and comments', () => {
    expect(parseTokenFile(`# rotated 2026-12\n${token}\r\n\n  ${'b'.repeat(20)}  \n`)).toEqual([token, 'b'.repeat(20)]);
  });

  it('takes the file and the inline token together', () => {
    const auth = loadApiAuth({ ...base, file: '/s/t', inline: 'c'.repeat(16), production: true }, files({ '/s/t': `${token}\n` }));
    expect(auth).toEqual({ mode: 'bearer', tokens: [token, 'c'.repeat(16)], source: 'ADMIN_TOKEN_FILE, ADMIN_TOKEN' });
  });

  it('refuses to run without a token in production, naming the variable to set', () => {
    expect(codeOf(() => loadApiAuth({ ...base, production: true }))).toBe('TW_HTTP_TOKEN_REQUIRED');
    expect(() => loadApiAuth({ ...base, production: true })).toThrow(/NODE_ENV=production.*ADMIN_TOKEN_FILE/);
  });

  it('runs open without a token outside production, saying why', () => {
    expect(loadApiAuth({ ...base, production: false })).toMatchObject({
      mode: 'open',
      reason: expect.stringContaining('ADMIN_TOKEN_FILE'),
    });
  });

  it('fails on a file it cannot read, an empty file and a short token, without quoting the token', () => {
    expect(codeOf(() => loadApiAuth({ ...base, file: '/missing', production: false }, files({})))).toBe('TW_HTTP_TOKEN_FILE_UNREADABLE');
    const empty = files({ '/e': '# nothing yet\n\n' });
    expect(codeOf(() => loadApiAuth({ ...base, file: '/e', production: false }, empty))).toBe('TW_HTTP_TOKEN_FILE_EMPTY');
    expect(codeOf(() => loadApiAuth({ ...base, inline: 'secret-123', production: false }))).toBe('TW_HTTP_TOKEN_TOO_SHORT');
    expect(() => loadApiAuth({ ...base, inline: 'secret-123', production: false })).not.toThrow(/secret-123/);
  });
});
