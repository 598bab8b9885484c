/** A route as Fastify declares it: a method and a find-my-way path (`:param`, `*`, `::` for a literal colon). */
export interface DeclaredRoute {
  readonly method: string;
  readonly url: string;
}

export interface RouteMethods {
  add(route: DeclaredRoute): void;
  /** The methods some declared route answers for this request path (query string ignored), sorted; empty when none. */
  allowed(path: string): string[];
}

// Fastify's route syntax, turned into an anchored regex on the raw (still percent-encoded) path: a parameter
// is one non-empty segment, `*` anything, `::` a literal colon.
function pathRegex(url: string): RegExp {
  let out = '';
  for (let i = 0; i < url.length; i++) {
    const c = url[i]!;
    if (c === ':' && url[i + 1] === ':') {
      out += ':';
      i++;
    } else if (c === ':') {
      while (i + 1 < url.length && /[\w]/.test(url[i + 1]!)) i++;
      out += '[^/]+';
    } else if (c === '*') out += '.*';
    else out += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/**
 * Which methods a path is served with, so a known path asked with another method answers 405 with an
 * `Allow` header (RFC 9110 §15.5.6) rather than 404. A GET route also answers HEAD (Fastify adds it).
 */
export function createRouteMethods(routes: readonly DeclaredRoute[] = []): RouteMethods {
  const table: { method: string; regex: RegExp }[] = [];
  const add = (route: DeclaredRoute) => {
    table.push({ method: route.method.toUpperCase(), regex: pathRegex(route.url) });
    if (route.method.toUpperCase() === 'GET') table.push({ method: 'HEAD', regex: pathRegex(route.url) });
  };
  routes.forEach(add);
  return {
    add,
    allowed(path) {
      const bare = path.split('?')[0] ?? '';
      const methods = new Set(table.filter((r) => r.regex.test(bare)).map((r) => r.method));
      return [...methods].sort();
    },
  };
}
