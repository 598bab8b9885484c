import { describe, expect, it } from 'vitest';
import { documentedRoutes, loadOpenApi, registeredRoutes, unresolvedRefs, unsecuredOperations } from '@tidewater/test-support';
import type { ModelRouter } from '../model-routing.js';
import { oipRoutes, registerOipRoutes } from './oip-routes.js';

const spec = loadOpenApi(new URL('../../openapi-oip.yaml', import.meta.url));
// Registered but not operations of their own: `/v2/` answers as `/v2`, and `/v2/*` (every method) answers 404 in
// the protocol's error shape for any other path under /v2.
const undocumented = (route: string) => route === 'GET /v2/' || route.endsWith(' /v2/*');

describe('services/inference/openapi-oip.yaml', () => {
  it('is an OpenAPI 3 document whose references all resolve, every operation behind bearerAuth', () => {
    expect(unresolvedRefs(spec)).toEqual([]);
    expect(unsecuredOperations(spec)).toEqual([]);
    expect(spec['components']).toMatchObject({ securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } });
  });

  it('documents exactly the routes registerOipRoutes registers, both ways', async () => {
    // Registration calls neither the router nor the scorer.
    const registered = await registeredRoutes((app) =>
      registerOipRoutes(app, { router: {} as ModelRouter, score: () => Promise.reject(new Error('not called')) }),
    );
    expect(registered.filter((r) => !undocumented(r))).toEqual(documentedRoutes(spec));
    expect(registered).toContain('GET /v2/');
    expect(registered).toContain('POST /v2/*');
    const declared = oipRoutes.map((r) => `${r.method} ${r.url}`);
    expect(declared.filter((r) => !undocumented(r)).sort()).toEqual(documentedRoutes(spec));
  });
});
