import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { documentedRoutes, loadOpenApi, registeredRoutes, unresolvedRefs } from '@tidewater/test-support';
import type { OnlineStore } from '../state/online-store.js';
import { featureMetrics } from '../metrics.js';
import { registerServingRoutes } from './routes.js';

const spec = loadOpenApi(new URL('../../openapi.yaml', import.meta.url));

describe('services/feature/openapi.yaml', () => {
  it('is an OpenAPI 3 document whose references all resolve', () => {
    expect(unresolvedRefs(spec)).toEqual([]);
  });

  it('documents exactly the routes registerServingRoutes registers, both ways', async () => {
    // Registration does not touch the store.
    const registered = await registeredRoutes((app) => registerServingRoutes(app, {} as OnlineStore, featureMetrics(new Registry())));
    // Fastify registers `:batchGet` as `::batchGet` (a literal colon).
    expect(registered.map((r) => r.replace('::', ':'))).toEqual(documentedRoutes(spec));
  });
});
