import { describe, expect, it } from 'vitest';
import type { TidewaterError } from '@tidewater/errors';
import { alertingErrors } from '../errors.js';
import { receiverFanout } from '../receiver-fanout.js';
import { loadAlertingConfig } from './alerting-config.js';

// Issue 21: a receiver's timeout (how long one POST may take) is set in the routing file, per
// integration as Alertmanager's webhook_configs `timeout`, and reaches the delivery endpoint.

const env = { HOOK: 'https://hooks.slack.com/services/T0/B0/x', PD_KEY: 'pd-key' };

function load(receivers: string) {
  return loadAlertingConfig({ yaml: `route: { receiver: a }\nreceivers:\n${receivers}` }, env);
}

describe('receiver timeout', () => {
  it('sets each integration timeout from a duration, and leaves the others at the delivery default', () => {
    const config = load(
      [
        '  - name: a',
        '    slack_configs: [{ webhook_url_env: HOOK, timeout: 3s }, { webhook_url_env: HOOK }]',
        '    pagerduty_configs: [{ routing_key_env: PD_KEY, timeout: 1500ms }]',
        '    webhook_configs: [{ url: "http://127.0.0.1:9/hook", timeout: 1m }]',
      ].join('\n'),
    );
    const endpoints = receiverFanout(config).endpoints;
    expect(endpoints.get('a/slack/0')).toMatchObject({ type: 'slack', timeoutMs: 3000 });
    expect(endpoints.get('a/slack/1')?.timeoutMs).toBeUndefined();
    expect(endpoints.get('a/pagerduty/0')).toMatchObject({ type: 'pagerduty', timeoutMs: 1500 });
    expect(endpoints.get('a/webhook/0')).toMatchObject({ type: 'webhook', timeoutMs: 60_000 });
  });

  it('refuses a zero, an unreadable or an over-long timeout, naming where', () => {
    let caught: unknown;
    try {
      load(
        [
          '  - name: a',
          '    slack_configs: [{ webhook_url_env: HOOK, timeout: 0s }]',
          '    webhook_configs: [{ url: "http://127.0.0.1:9/hook", timeout: soon }, { url: "http://127.0.0.1:9/h", timeout: 5m }]',
        ].join('\n'),
      );
    } catch (err) {
      caught = err;
    }
    expect(alertingErrors.is(caught, 'TW_ALERT_CONFIG_INVALID')).toBe(true);
    const problems = (caught as TidewaterError).details?.['problems'] as { path: string; message: string }[];
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: 'receivers[0].slack_configs[0].timeout', message: 'must be more than 0s and at most 2m' },
        { path: 'receivers[0].webhook_configs[0].timeout', message: expect.stringContaining('"soon" is not a duration') },
        { path: 'receivers[0].webhook_configs[1].timeout', message: 'must be more than 0s and at most 2m' },
      ]),
    );
  });
});
