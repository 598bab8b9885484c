import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkDocumentedCodes } from '@tidewater/errors';
import { ingestErrors } from './errors.js';
import { openApiFile, requestLevelCodes } from './http-api.js';

describe('TW_INGEST_ error codes', () => {
  it('are all documented in the service README, and the README names no stale one', () => {
    const readme = new URL('../README.md', import.meta.url).pathname;
    expect(checkDocumentedCodes(ingestErrors.catalogue, ingestErrors.prefix, readme)).toEqual({ missing: [], stale: [] });
  });
});

describe('the OpenAPI document', () => {
  it('parses, describes POST /v1/events and GET /docs, and names every request-level code', () => {
    const text = readFileSync(openApiFile, 'utf8');
    const doc = parse(text) as { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths['/v1/events']!['post']!.responses).sort()).toEqual(
      ['200', '400', '401', '403', '413', '415', '422', '429', '503'].sort(),
    );
    expect(doc.paths['/docs']!['get']).toBeDefined();
    for (const code of requestLevelCodes) expect(text, code).toContain(code);
  });
});
