// The image's HEALTHCHECK: GET /healthz on the service's HTTP_PORT; exit 0 when it answers 2xx.
// It uses node's own fetch because the slim image has no curl, and it is plain JavaScript with no
// imports so that a probe every few seconds starts in the time node itself takes.
import process from 'node:process';

const port = process.env.HTTP_PORT;
// A service bound to one address is only reachable there; 0.0.0.0 and :: include loopback.
const bound = process.env.HTTP_HOST;
const host = !bound || bound === '0.0.0.0' || bound === '::' ? '127.0.0.1' : bound.includes(':') ? `[${bound}]` : bound;
const timeoutMs = Number(process.env.HEALTHCHECK_TIMEOUT_MS) || 3000;

if (!port) {
  // Each service has its own default port, which this script cannot know; compose and k8s set it.
  process.stderr.write('healthcheck: HTTP_PORT is not set, so there is no port to probe\n');
  process.exit(1);
}

const url = `http://${host}:${port}/healthz`;
try {
  const res = await globalThis.fetch(url, { signal: globalThis.AbortSignal.timeout(timeoutMs) });
  if (!res.ok) process.stderr.write(`healthcheck: ${url} answered ${res.status}\n`);
  process.exit(res.ok ? 0 : 1);
} catch (err) {
  process.stderr.write(`healthcheck: ${url} failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
