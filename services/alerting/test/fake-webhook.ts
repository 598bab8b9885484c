import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// A scriptable stand-in for Slack's incoming webhooks (and any receiver that takes a JSON POST), for
// the alerting tests: it answers ok, 429 with Retry-After, 5xx, a permanent 4xx, or never; it can
// refuse connections altogether; and it records when each request arrived, so a test measures the
// timing it asserts from the receiver's side, as Slack would see us.

/** How the fake answers one request: a status (with body and headers), or never ('hang'). */
export type WebhookAnswer =
  | {
      readonly status: number;
      readonly body?: string;
      readonly headers?: Readonly<Record<string, string>>;
      /** Answer only after this long (a slow receiver). */
      readonly delayMs?: number;
    }
  | 'hang';

/** The scenarios the alerting tests drive, as answers. */
export const answers = {
  /** What Slack answers a message it took. */
  ok: (): WebhookAnswer => ({ status: 200, body: 'ok' }),
  /** Slack's rate limit: 429 with a Retry-After in seconds. */
  rateLimited: (retryAfterSeconds: number): WebhookAnswer => ({
    status: 429,
    body: 'rate_limited',
    headers: { 'retry-after': String(retryAfterSeconds) },
  }),
  /** A server error, retried with backoff. */
  serverError: (status = 500): WebhookAnswer => ({ status, body: 'internal_error' }),
  /** A refusal for good: Slack's answer to a deleted webhook (404 no_service), or 400 invalid_payload. */
  rejected: (status = 404, body = 'no_service'): WebhookAnswer => ({ status, body }),
  /** Takes the request and never answers; the client's timeout ends it. */
  hang: (): WebhookAnswer => 'hang',
  /** Takes the message, but answers only after `delayMs`. */
  slowOk: (delayMs: number): WebhookAnswer => ({ status: 200, body: 'ok', delayMs }),
} as const;

export interface ReceivedRequest {
  readonly path: string;
  /** Date.now() when the request's body had arrived. */
  readonly at: number;
  readonly body: unknown;
  /** The status it was answered with, or 'hang'. */
  readonly answer: number | 'hang';
}

export interface FakeWebhook {
  /** The URL of `path` on this server (the port stays the same across refuse()/accept()). */
  url(path: string): string;
  /** Answers for the next requests to `path`, in order; after them, the path's standing answer. */
  script(path: string, answers: readonly WebhookAnswer[]): void;
  /** The answer `path` gives when nothing is scripted: 200 `ok` (as Slack) until set. */
  standing(path: string, answer: WebhookAnswer): void;
  /** `answer` for every request to `path` during the next `ms` (5xx for a minute, a hang of 60 s); scripted answers come first. */
  during(path: string, answer: WebhookAnswer, ms: number): void;
  /** Stops listening and drops every open connection: clients get "connection refused" until accept(). */
  refuse(): Promise<void>;
  /** Listens again on the same port. */
  accept(): Promise<void>;
  /** Every request so far, in arrival order. */
  readonly received: readonly ReceivedRequest[];
  /** The requests to `path` so far. */
  requests(path: string): ReceivedRequest[];
  /** Resolves with the first request (past or future) that satisfies `match`; rejects after `timeoutMs`. */
  waitFor(match: (r: ReceivedRequest) => boolean, timeoutMs: number): Promise<ReceivedRequest>;
  /** Resolves once `count` requests satisfy `match`, with them; rejects after `timeoutMs` saying how many came. */
  waitForCount(match: (r: ReceivedRequest) => boolean, count: number, timeoutMs: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

/** Starts a fake webhook server on a free loopback port. */
export async function startFakeWebhook(): Promise<FakeWebhook> {
  const scripts = new Map<string, WebhookAnswer[]>();
  const standing = new Map<string, WebhookAnswer>();
  const windows = new Map<string, { answer: WebhookAnswer; until: number }>();
  const received: ReceivedRequest[] = [];
  const events = new EventEmitter();
  const sockets = new Set<Socket>();

  function answerFor(path: string): WebhookAnswer {
    const scripted = scripts.get(path)?.shift();
    if (scripted !== undefined) return scripted;
    const window = windows.get(path);
    if (window && Date.now() < window.until) return window.answer;
    return standing.get(path) ?? answers.ok();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: kept as text.
    }
    const path = req.url ?? '/';
    const answer = answerFor(path);
    const request: ReceivedRequest = { path, at: Date.now(), body, answer: answer === 'hang' ? 'hang' : answer.status };
    received.push(request);
    events.emit('request', request);
    if (answer === 'hang') return; // the socket stays open until the client gives up or refuse()/close()
    if (answer.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
    res.end(answer.body ?? '');
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  function dropConnections(): void {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  }

  async function stopListening(): Promise<void> {
    if (!server.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    dropConnections();
    await closed;
  }

  function waitForCount(match: (r: ReceivedRequest) => boolean, count: number, timeoutMs: number): Promise<ReceivedRequest[]> {
    const matching = () => received.filter(match);
    if (matching().length >= count) return Promise.resolve(matching().slice(0, count));
    return new Promise((resolve, reject) => {
      const onRequest = () => {
        const found = matching();
        if (found.length < count) return;
        cleanup();
        resolve(found.slice(0, count));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`fake webhook: ${matching().length} of ${count} awaited requests within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        events.off('request', onRequest);
      };
      events.on('request', onRequest);
    });
  }

  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    script: (path, list) => void scripts.set(path, [...(scripts.get(path) ?? []), ...list]),
    standing: (path, answer) => void standing.set(path, answer),
    during: (path, answer, ms) => void windows.set(path, { answer, until: Date.now() + ms }),
    refuse: stopListening,
    async accept() {
      if (server.listening) return;
      // The port was ours a moment ago; on a busy machine another socket can take it, so retry briefly.
      for (let attempt = 1; ; attempt++) {
        try {
          server.listen(port, '127.0.0.1');
          await once(server, 'listening');
          return;
        } catch (err) {
          if (attempt >= 20 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    },
    received,
    requests: (path) => received.filter((r) => r.path === path),
    waitFor: async (match, timeoutMs) => (await waitForCount(match, 1, timeoutMs))[0]!,
    waitForCount,
    close: stopListening,
  };
}

/** Whether a Slack message says firing or resolved, read from its fallback text (`:white_check_mark: RESOLVED: …`). */
export function slackStatusOf(body: unknown): 'firing' | 'resolved' {
  const text = (body as { text?: unknown }).text;
  return typeof text === 'string' && text.includes('RESOLVED') ? 'resolved' : 'firing';
}
