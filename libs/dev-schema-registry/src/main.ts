/**
 * Runs the dev schema registry: `tsx libs/dev-schema-registry/src/main.ts`.
 * Env: PORT (8081), HOST (127.0.0.1), STATE_FILE (.tidewater/schema-registry.json, relative to
 * the working directory). Prints one JSON line `{"url", "port"}` to stdout once listening (logs
 * go to stderr), and closes on SIGTERM or SIGINT.
 */
import { resolve } from 'node:path';
import { startSchemaRegistry } from './server.js';

function readPort(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 8081;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be an integer from 0 to 65535, got '${raw}'`);
  return port;
}

try {
  const registry = await startSchemaRegistry({
    host: process.env['HOST'] || '127.0.0.1',
    port: readPort(process.env['PORT']),
    stateFile: resolve(process.cwd(), process.env['STATE_FILE'] || '.tidewater/schema-registry.json'),
    logger: true,
  });
  process.stdout.write(`${JSON.stringify({ url: registry.url, port: registry.port })}\n`);
  const stop = (): void => {
    registry.close().catch((err: unknown) => {
      process.stderr.write(`dev schema registry: close failed: ${String(err)}\n`);
      process.exitCode = 1;
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (err) {
  process.stderr.write(`dev schema registry: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
