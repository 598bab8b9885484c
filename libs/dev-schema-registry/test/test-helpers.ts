import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { SCHEMA_REGISTRY_CONTENT_TYPE } from '../src/app.js';

// Helpers for this package's tests only (not exported from index.ts).

/** A response of `sendJson`: status, parsed body and content type. */
export interface JsonResponse {
  status: number;
  body: unknown;
  contentType: string | undefined;
}

/** Sends a request the way Confluent clients do (their media type, JSON body) through `app.inject`. */
export async function sendJson(
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  body?: unknown,
): Promise<JsonResponse> {
  const response = await app.inject({
    method,
    url,
    headers: { 'content-type': SCHEMA_REGISTRY_CONTENT_TYPE },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
  const contentType = response.headers['content-type'];
  return { status: response.statusCode, body: response.json(), contentType: typeof contentType === 'string' ? contentType : undefined };
}

/** The `error_code` of a Confluent-style error body. */
export function errorCodeOf(response: JsonResponse): unknown {
  return typeof response.body === 'object' && response.body !== null ? (response.body as { error_code?: unknown }).error_code : undefined;
}

/** Schema text of a record with the given fields, for evolution tests. */
export function recordSchema(name: string, fields: readonly Record<string, unknown>[]): string {
  return JSON.stringify({ type: 'record', name, namespace: 'test', fields });
}

/** Text of one of the repository's schemas in /schemas. */
export function repoSchema(file: string): string {
  return readFileSync(fileURLToPath(new URL(`../../../schemas/${file}`, import.meta.url)), 'utf8');
}

/** A fresh temp dir and a function removing it. */
export async function makeTempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tw-devsr-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
