import { createServer } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertingErrors } from './errors.js';
import { postToSlack } from './slack-webhook.js';

// A stand-in for Slack's incoming-webhook endpoint, answering the way Slack does per path.
let slack: FastifyInstance;
let baseUrl: string;
const received: { contentType: string | undefined; body: unknown }[] = [];
const timeoutMs = 300;

beforeAll(async () => {
  // forceCloseConnections: the hanging routes would otherwise keep close() waiting.
  slack = Fastify({ forceCloseConnections: true });
  slack.post('/ok', async (req, reply) => {
    received.push({ contentType: req.headers['content-type'], body: req.body });
    return reply.type('text/plain').send('ok');
  });
  slack.post('/rate-limited', async (_req, reply) => reply.code(429).header('retry-after', '7').type('text/plain').send('rate_limited'));
  slack.post('/server-error', async (_req, reply) => reply.code(500).type('text/plain').send('internal_error'));
  slack.post('/unavailable', async (_req, reply) => reply.code(503).type('text/plain').send('service_unavailable'));
  slack.post('/invalid-payload', async (_req, reply) => reply.code(400).type('text/plain').send('invalid_payload'));
  slack.post('/invalid-token', async (_req, reply) => reply.code(403).type('text/plain').send('invalid_token'));
  slack.post('/no-service', async (_req, reply) => reply.code(404).type('text/plain').send('no_service'));
  slack.post('/archived', async (_req, reply) => reply.code(410).type('text/plain').send('channel_is_archived'));
  slack.post('/never-answers', () => new Promise<never>(() => undefined));
  slack.post('/stalls-after-headers', (_req, reply) => {
    // Headers go out, then the body never finishes: the timeout must still apply.
    reply.hijack();
    reply.raw.writeHead(500, { 'content-type': 'text/plain' });
    reply.raw.write('internal_');
  });
  baseUrl = await slack.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await slack.close();
});

/** What postToSlack threw, as code, retriable flag, message and details. */
async function failureOf(path: string) {
  try {
    await postToSlack(`${baseUrl}${path}`, { text: 'hello' }, timeoutMs);
  } catch (err) {
    if (!alertingErrors.is(err)) throw err;
    return { code: err.code, retriable: err.retriable, message: err.message, details: err.details };
  }
  throw new Error(`expected postToSlack to ${path} to fail`);
}

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('postToSlack', () => {
  it('posts the message as JSON and resolves on 200 ok', async () => {
    const message = { text: 'fallback', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*hi*' } }] };
    await expect(postToSlack(`${baseUrl}/ok`, message, timeoutMs)).resolves.toBeUndefined();
    expect(received.at(-1)).toEqual({ contentType: 'application/json', body: message });
  });

  it('treats 429 as retriable and passes on Retry-After', async () => {
    const failure = await failureOf('/rate-limited');
    expect(failure).toMatchObject({ code: 'TW_ALERT_SLACK_UNAVAILABLE', retriable: true, details: { status: 429, retryAfter: '7' } });
    expect(failure.message).toContain('rate_limited');
  });

  it.each([
    ['/server-error', 500, 'internal_error'],
    ['/unavailable', 503, 'service_unavailable'],
  ])('treats %s (%i) as retriable', async (path, status, slackError) => {
    const failure = await failureOf(path);
    expect(failure).toMatchObject({ code: 'TW_ALERT_SLACK_UNAVAILABLE', retriable: true, details: { status } });
    expect(failure.message).toContain(slackError);
  });

  it.each([
    ['/invalid-payload', 400, 'invalid_payload'],
    ['/invalid-token', 403, 'invalid_token'],
    ['/no-service', 404, 'no_service'],
    ['/archived', 410, 'channel_is_archived'],
  ])('treats %s (%i) as a permanent rejection carrying Slack error string', async (path, status, slackError) => {
    const failure = await failureOf(path);
    expect(failure).toMatchObject({ code: 'TW_ALERT_SLACK_REJECTED', retriable: false, details: { status } });
    expect(failure.message).toContain(slackError);
  });

  it('gives up after the timeout on a server that never answers, as retriable', async () => {
    const started = performance.now();
    const failure = await failureOf('/never-answers');
    expect(failure).toMatchObject({ code: 'TW_ALERT_SLACK_UNAVAILABLE', retriable: true });
    expect(performance.now() - started).toBeGreaterThanOrEqual(timeoutMs - 50);
  });

  it('gives up after the timeout on a body that stalls after the headers, as retriable', async () => {
    expect(await failureOf('/stalls-after-headers')).toMatchObject({ code: 'TW_ALERT_SLACK_UNAVAILABLE', retriable: true });
  });

  it('treats a refused connection as retriable', async () => {
    const port = await closedPort();
    await expect(postToSlack(`http://127.0.0.1:${port}/services/x`, { text: 'x' }, timeoutMs)).rejects.toMatchObject({
      code: 'TW_ALERT_SLACK_UNAVAILABLE',
      retriable: true,
    });
  });
});
