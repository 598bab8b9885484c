import { describe, expect, it } from 'vitest';
import { createSchemaRegistryApp } from './app.js';

describe('basicAuth option', () => {
  it('answers 401 with a Basic challenge without the right credentials, and serves them', async () => {
    const app = await createSchemaRegistryApp({ basicAuth: { username: 'svc', password: 'pw-1' } });
    const basic = (userInfo: string) => ({ authorization: `Basic ${Buffer.from(userInfo).toString('base64')}` });
    for (const headers of [{}, basic('svc:wrong'), basic('other:pw-1')]) {
      const refused = await app.inject({ method: 'GET', url: '/subjects', headers });
      expect([refused.statusCode, refused.json(), refused.headers['www-authenticate']]).toEqual([
        401,
        { error_code: 401, message: 'Unauthorized' },
        'Basic realm="schema-registry"',
      ]);
    }
    const ok = await app.inject({ method: 'GET', url: '/subjects', headers: basic('svc:pw-1') });
    expect([ok.statusCode, ok.json()]).toEqual([200, []]);
    await app.close();
  });
});
