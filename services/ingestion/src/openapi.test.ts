import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { documentedRoutes, loadOpenApi, registeredRoutes, unresolvedRefs } from '@tidewater/test-support';
import { openApiFile, registerHttpApi, type HttpApiDeps } from './http-api.js';

const spec = loadOpenApi(openApiFile);

describe('services/ingestion/openapi.yaml', () => {
  it('is an OpenAPI 3 document whose references all resolve', () => {
    expect(unresolvedRefs(spec)).toEqual([]);
  });

  it('documents exactly the routes registerHttpApi registers, both ways', async () => {
    // Registration reads only the settings below; the path, keys, limiter and metrics are used per request.
    const deps = {
      logger: pino({ level: 'silent' }),
      config: { HTTP_BODY_LIMIT_BYTES: 1_048_576 },
    } as unknown as HttpApiDeps;
    expect(await registeredRoutes((app) => registerHttpApi(app, deps))).toEqual(documentedRoutes(spec));
  });
});
