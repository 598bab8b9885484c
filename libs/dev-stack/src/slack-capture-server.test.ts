import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
});
