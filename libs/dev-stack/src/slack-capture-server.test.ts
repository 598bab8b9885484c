import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createSlackCapture } from './slack-capture-server.js';

describe('Slack capture', () => {
  it('answers like an incoming webhook and records each message', async () => {
    const captureFile = join(mkdtempSync(join(tmpdir(), 'tw-slack-')), 'capture.jsonl');
    const printed: string[] = [];
    const app = createSlackCapture({ captureFile, print: (l) => printed.push(l) });
    const ok = await app.inject({ method: 'POST', url: '/', payload: { text: 'drift!', blocks: [{ type: 'header' }] } });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe('ok');
    const bad = await app.inject({ method: 'POST', url: '/', payload: { blocks: [] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toBe('no_text');
    expect((await app.inject('/messages')).json()).toMatchObject([{ text: 'drift!', blocks: [{ type: 'header' }] }]);
    expect(readFileSync(captureFile, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(printed).toEqual(['[slack] drift!']);
  });

  it("reads a message made only of attachments, as Alertmanager's slack_configs sends it", async () => {
    const captureFile = join(mkdtempSync(join(tmpdir(), 'tw-slack-')), 'capture.jsonl');
    const app = createSlackCapture({ captureFile });
    const payload = {
      channel: '#tidewater-platform',
      attachments: [{ title: '[FIRING:1] TidewaterConsumerLagGrowing', text: 'lag grows docs/runbooks/TidewaterConsumerLagGrowing.md' }],
    };
    const res = await app.inject({ method: 'POST', url: '/', payload });
    expect(res.statusCode).toBe(200);
    expect((await app.inject('/messages')).json()).toMatchObject([
      { text: '[FIRING:1] TidewaterConsumerLagGrowing\nlag grows docs/runbooks/TidewaterConsumerLagGrowing.md' },
    ]);
  });

  it('refuses every message during its fault phases (429 with Retry-After, then 5xx), then records again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const captureFile = join(mkdtempSync(join(tmpdir(), 'tw-slack-')), 'capture.jsonl');
      const app = createSlackCapture({ captureFile });
      const phases = [
        { status: 429, retryAfterS: 5, ms: 1000 },
        { status: 503, ms: 1000 },
      ];
      expect((await app.inject({ method: 'POST', url: '/faults', payload: { phases } })).json()).toEqual({ phases: 2 });
      const limited = await app.inject({ method: 'POST', url: '/', payload: { text: 'a' } });
      expect([limited.statusCode, limited.headers['retry-after']]).toEqual([429, '5']);
      vi.advanceTimersByTime(1500);
      expect((await app.inject({ method: 'POST', url: '/', payload: { text: 'b' } })).statusCode).toBe(503);
      vi.advanceTimersByTime(1000);
      expect((await app.inject({ method: 'POST', url: '/', payload: { text: 'c' } })).statusCode).toBe(200);
      expect((await app.inject('/messages')).json()).toMatchObject([{ text: 'c' }]);
      expect((await app.inject('/faults')).json()).toEqual({ refused: 2, phases: [] });
    } finally {
      vi.useRealTimers();
    }
  });
});
