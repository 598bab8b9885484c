import type { AddressInfo } from 'node:net';
import { createSchemaRegistryApp } from './app.js';
import type { SchemaRegistryAppOptions } from './app.js';

/** Options of a listening dev schema registry. */
export interface SchemaRegistryServerOptions extends SchemaRegistryAppOptions {
  /** Interface to listen on; 127.0.0.1 unless given. */
  host?: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
}

/** A running dev schema registry. */
export interface RunningSchemaRegistry {
  /** Base URL for `new SchemaRegistryClient({ baseURLs: [url] })`. */
  readonly url: string;
  readonly port: number;
  /** Stops listening; every call returns the same promise. */
  close(): Promise<void>;
}

/** Starts the dev schema registry over HTTP and resolves once it is listening. */
export async function startSchemaRegistry(opts: SchemaRegistryServerOptions = {}): Promise<RunningSchemaRegistry> {
  const host = opts.host ?? '127.0.0.1';
  const app = await createSchemaRegistryApp(opts);
  await app.listen({ host, port: opts.port ?? 0 });
  const { port } = app.server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost(host)}:${port}`,
    port,
    close: () => (closing ??= app.close()),
  };
}

/** A host as it goes in a URL: wildcard addresses are reached on loopback, IPv6 goes in brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
