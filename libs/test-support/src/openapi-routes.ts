import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { parse } from 'yaml';

const httpMethods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An OpenAPI document as parsed YAML or JSON; throws when it is not a mapping with `openapi: 3.x`. */
export function loadOpenApi(file: string | URL): Record<string, unknown> {
  const doc: unknown = parse(readFileSync(file, 'utf8'));
  if (!isRecord(doc) || !/^3\./.test(String(doc['openapi']))) throw new Error(`${String(file)} is not an OpenAPI 3 document`);
  return doc;
}

/** `METHOD /path/:param` for every operation of the document, sorted (OpenAPI `{param}` written as Fastify's `:param`). */
export function documentedRoutes(doc: Record<string, unknown>): string[] {
  const paths = isRecord(doc['paths']) ? doc['paths'] : {};
  return Object.entries(paths)
    .flatMap(([path, item]) =>
      Object.keys(isRecord(item) ? item : {})
        .filter((k) => httpMethods.includes(k))
        .map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    )
    .sort();
}

/**
 * `METHOD /path` for every route `register` adds to a bare Fastify instance, sorted; HEAD is left out
 * (Fastify adds it to every GET route by itself).
 */
export async function registeredRoutes(register: (app: FastifyInstance) => unknown): Promise<string[]> {
  const app = Fastify();
  const routes: string[] = [];
  app.addHook('onRoute', (route) => {
    for (const m of [route.method].flat()) if (m !== 'HEAD') routes.push(`${m} ${route.url}`);
  });
  await register(app);
  await app.ready();
  await app.close();
  return routes.sort();
}

/** Every `$ref` of the document that does not resolve inside it: none is the expectation. */
export function unresolvedRefs(doc: Record<string, unknown>): string[] {
  const refs = (node: unknown): string[] => {
    if (Array.isArray(node)) return node.flatMap(refs);
    if (!isRecord(node)) return [];
    return Object.entries(node).flatMap(([k, v]) => (k === '$ref' && typeof v === 'string' ? [v] : refs(v)));
  };
  return refs(doc).filter(
    (ref) =>
      ref
        .replace(/^#\//, '')
        .split('/')
        .reduce<unknown>((node, key) => (isRecord(node) ? node[key] : undefined), doc) === undefined,
  );
}

/** Operations that name no security requirement while the document has no global one, as `METHOD /path`. */
export function unsecuredOperations(doc: Record<string, unknown>): string[] {
  if (Array.isArray(doc['security']) && doc['security'].length > 0) return [];
  const paths = isRecord(doc['paths']) ? doc['paths'] : {};
  return Object.entries(paths).flatMap(([path, item]) =>
    Object.entries(isRecord(item) ? item : {})
      .filter(([k, op]) => httpMethods.includes(k) && !(isRecord(op) && Array.isArray(op['security']) && op['security'].length > 0))
      .map(([k]) => `${k.toUpperCase()} ${path}`),
  );
}
