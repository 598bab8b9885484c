import { appendFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';

/** A message as the capture received it. */
export interface CapturedSlackMessage {
  readonly receivedAt: string;
  readonly text: string;
  readonly blocks: unknown[];
}

/**
 * Slack shows a message whose content is all in legacy attachments (as Alertmanager's `slack_configs`
 * sends it); their titles and texts, one per line, stand for its text here.
 */
function attachmentText(attachments: unknown): string | undefined {
  if (!Array.isArray(attachments)) return undefined;
  const lines = attachments.flatMap((a: { title?: unknown; text?: unknown }) =>
    [a?.title, a?.text].filter((v): v is string => typeof v === 'string' && v.length > 0),
  );
  return lines.length > 0 ? lines.join('\n') : undefined;
}

/**
 * Stands in for a Slack incoming webhook on the dev stack when SLACK_WEBHOOK_URL is not set:
 * it answers like Slack (200 "ok"), appends every message to a JSON-lines file and prints its
 * fallback text, so a developer sees what on-call would get. GET /messages lists them.
 * POST /faults `{ "phases": [{ "status": 429, "retryAfterS": 5, "ms": 30000 }, { "status": 503, "ms": 30000 }] }`
 * makes it refuse every message for those phases, one after the other from now (chaos runs).
 */
export function createSlackCapture(opts: { captureFile: string; print?: (line: string) => void }): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1_048_576 });
  const messages: CapturedSlackMessage[] = [];
  // Chaos runs (issue 23): phases of refusal, each answering every message with its status.
  let faults: { status: number; retryAfterS?: number; until: number }[] = [];
  let refused = 0;
  app.post('/faults', async (req) => {
    const body = req.body as { phases?: { status?: unknown; ms?: unknown; retryAfterS?: unknown }[] } | undefined;
    let from = Date.now();
    faults = (Array.isArray(body?.phases) ? body.phases : []).map((p) => {
      from += Number(p.ms) || 0;
      return { status: Number(p.status) || 503, ...(typeof p.retryAfterS === 'number' ? { retryAfterS: p.retryAfterS } : {}), until: from };
    });
    return { phases: faults.length };
  });
  app.get('/faults', async () => ({ refused, phases: faults.filter((f) => f.until > Date.now()) }));
  app.post('/', async (req, reply) => {
    const fault = faults.find((f) => f.until > Date.now());
    if (fault) {
      refused++;
      if (fault.retryAfterS !== undefined) void reply.header('retry-after', String(fault.retryAfterS));
      return reply
        .code(fault.status)
        .type('text/plain')
        .send(fault.status === 429 ? 'rate_limited' : 'service_unavailable');
    }
    const body = req.body as { text?: unknown; blocks?: unknown; attachments?: unknown } | undefined;
    const text = typeof body?.text === 'string' && body.text.length > 0 ? body.text : attachmentText(body?.attachments);
    if (!body || !text) {
      return reply.code(400).type('text/plain').send('no_text');
    }
    const message: CapturedSlackMessage = {
      receivedAt: new Date().toISOString(),
      text,
      blocks: Array.isArray(body.blocks) ? body.blocks : [],
    };
    messages.push(message);
    // Bounded: the file keeps everything, memory only the latest (GET /messages is for a quick look).
    if (messages.length > 1000) messages.shift();
    appendFileSync(opts.captureFile, `${JSON.stringify(message)}\n`);
    opts.print?.(`[slack] ${message.text}`);
    return reply.type('text/plain').send('ok');
  });
  app.get('/messages', async () => messages);
  app.get('/healthz', async () => ({ status: 'ok' }));
  return app;
}
