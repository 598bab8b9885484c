import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One schema a read-only registry serves. */
export interface ServedSchema {
  readonly subject: string;
  readonly id: number;
  readonly schema: string;
}

export interface ReadOnlyRegistry {
  readonly url: string;
  /** HTTP requests answered so far: shows whether a client hit the network or its cache. */
  requests(): number;
  close(): Promise<void>;
}

/**
 * The two lookups the official serde makes, over real HTTP on 127.0.0.1, so the bench can run
 * the official client's caching path (not its mock) and count how often it goes to the network.
 * Only GET /subjects/{s}/versions/latest and GET /schemas/ids/{id}; anything else is 404.
 */
export async function startReadOnlyRegistry(schemas: readonly ServedSchema[]): Promise<ReadOnlyRegistry> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    const url = new URL(req.url ?? '/', 'http://registry');
    const latest = /^\/subjects\/([^/]+)\/versions\/latest$/.exec(url.pathname);
    const byId = /^\/schemas\/ids\/(\d+)$/.exec(url.pathname);
    const found = latest
      ? schemas.find((s) => s.subject === decodeURIComponent(latest[1] ?? ''))
      : byId
        ? schemas.find((s) => s.id === Number(byId[1]))
        : undefined;
    res.setHeader('content-type', 'application/vnd.schemaregistry.v1+json');
    if (req.method !== 'GET' || !found) {
      res.statusCode = 404;
      res.end(JSON.stringify({ error_code: 40403, message: 'Schema not found' }));
      return;
    }
    const body = latest ? { subject: found.subject, version: 1, id: found.id, schema: found.schema } : { schema: found.schema };
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
