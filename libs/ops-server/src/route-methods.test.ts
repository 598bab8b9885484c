import { describe, expect, it } from 'vitest';
import { createRouteMethods } from './route-methods.js';

describe('route methods', () => {
  const routes = createRouteMethods([
    { method: 'GET', url: '/v2/models/:name' },
    { method: 'POST', url: '/v2/models/:name/versions/:version/infer' },
    { method: 'DELETE', url: '/api/v2/silence/:silenceID' },
    { method: 'GET', url: '/api/v2/silence/:silenceID' },
    { method: 'POST', url: '/v1/features::batchGet' },
    { method: 'GET', url: '/files/*' },
  ]);

  it('matches parameters as one segment, literal colons, wildcards and regex characters literally', () => {
    expect(routes.allowed('/v2/models/fraud-demo')).toEqual(['GET', 'HEAD']);
    expect(routes.allowed('/v2/models/a/versions/1/infer?x')).toEqual(['POST']);
    expect(routes.allowed('/api/v2/silence/abc')).toEqual(['DELETE', 'GET', 'HEAD']);
    expect(routes.allowed('/v1/features:batchGet')).toEqual(['POST']);
    expect(routes.allowed('/files/a/b')).toEqual(['GET', 'HEAD']);
    expect(routes.allowed('/v2/models/a/b')).toEqual([]);
    expect(routes.allowed('/v2/models/')).toEqual([]);
    expect(routes.allowed('/v1/featuresXbatchGet')).toEqual([]);
  });
});
