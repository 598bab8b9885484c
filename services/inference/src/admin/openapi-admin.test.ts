import { describe, expect, it } from 'vitest';
import { createLogger } from '@tidewater/logging';
import { documentedRoutes, loadOpenApi, registeredRoutes, unresolvedRefs, unsecuredOperations } from '@tidewater/test-support';
import { ModelRepository } from '../repository/index.js';
import { adminRoutes, registerAdminRoutes } from './admin-routes.js';

const spec = loadOpenApi(new URL('../../openapi-admin.yaml', import.meta.url));

describe('services/inference/openapi-admin.yaml', () => {
  it('is an OpenAPI 3 document whose references all resolve, every operation behind bearerAuth', () => {
    expect(unresolvedRefs(spec)).toEqual([]);
    expect(unsecuredOperations(spec)).toEqual([]);
    expect(spec['components']).toMatchObject({ securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } });
  });

  it('documents exactly the routes registerAdminRoutes registers, both ways', async () => {
    // Never opened: registration does not touch the repository.
    const repository = new ModelRepository({
      root: '/nonexistent',
      logger: createLogger({ service: 'test', level: 'silent' }),
      pollIntervalMs: 0,
    });
    const registered = await registeredRoutes((app) => registerAdminRoutes(app, repository));
    expect(registered).toEqual(documentedRoutes(spec));
    expect(adminRoutes.map((r) => `${r.method} ${r.url}`).sort()).toEqual(registered);
  });
});
