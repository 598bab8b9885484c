import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Test support: an HTTP server on 127.0.0.1 answering every request with one status and a
 * Confluent-style error body, so the real registry client's handling of 401/409/503 answers can
 * be exercised over a real connection (the mock:// client never fails that way).
 */
export interface CannedRegistry {
  readonly url: string;
  requests(): number;
  close(): Promise<void>;
}

export async function startCannedRegistry(status: number, errorCode: number, message: string): Promise<CannedRegistry> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    req.resume();
    res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
    res.end(JSON.stringify({ error_code: errorCode, message }));
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

/** A URL nothing listens on: a port the OS handed out and that was closed again. */
export async function unreachableRegistryUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
