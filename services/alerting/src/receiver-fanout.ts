import type { ReceiverEndpoint } from './delivery/index.js';
import type { Notification } from './notification.js';
import type { AlertingRuntimeConfig } from './routing/index.js';

interface Target {
  readonly endpointName: string;
  readonly sendResolved: boolean;
}

/**
 * A receiver may hold several integrations (two Slack channels and PagerDuty, say), each with its
 * own `send_resolved`. Delivery queues one item per integration, so each retries, rate-limits and
 * parks on its own; this turns the configured receivers into those endpoints and a routed
 * notification into one notification per integration.
 */
export function receiverFanout(config: AlertingRuntimeConfig) {
  const endpoints = new Map<string, ReceiverEndpoint>();
  const targets = new Map<string, Target[]>();
  for (const r of config.receivers) {
    const list: Target[] = [];
    r.slackConfigs.forEach((c, i) => {
      const endpointName = `${r.name}/slack/${i}`;
      endpoints.set(endpointName, { type: 'slack', url: c.webhookUrl, ...timeout(c) });
      list.push({ endpointName, sendResolved: c.sendResolved });
    });
    r.pagerdutyConfigs.forEach((c, i) => {
      const endpointName = `${r.name}/pagerduty/${i}`;
      endpoints.set(endpointName, { type: 'pagerduty', routingKey: c.routingKey, url: c.url, ...timeout(c) });
      list.push({ endpointName, sendResolved: c.sendResolved });
    });
    r.webhookConfigs.forEach((c, i) => {
      const endpointName = `${r.name}/webhook/${i}`;
      endpoints.set(endpointName, { type: 'webhook', url: c.url, ...timeout(c) });
      list.push({ endpointName, sendResolved: c.sendResolved });
    });
    targets.set(r.name, list);
  }

  return {
    endpoints: endpoints as ReadonlyMap<string, ReceiverEndpoint>,
    /** Whether any integration of the receiver wants resolved alerts (the dispatcher keeps them then). */
    sendsResolved: (receiver: string) => (targets.get(receiver) ?? []).some((t) => t.sendResolved),
    /** One notification per integration; an integration without send_resolved gets firing alerts only. */
    split(n: Notification): Notification[] {
      const out: Notification[] = [];
      for (const t of targets.get(n.receiver) ?? []) {
        const alerts = t.sendResolved ? n.alerts : n.alerts.filter((a) => a.status === 'firing');
        if (alerts.length === 0) continue;
        out.push({ ...n, id: `${n.id}#${t.endpointName}`, receiver: t.endpointName, alerts });
      }
      return out;
    },
  };
}

export type ReceiverFanout = ReturnType<typeof receiverFanout>;

/** The integration's own `timeout`, when it has one. */
function timeout(c: { readonly timeoutMs?: number }): { timeoutMs?: number } {
  return c.timeoutMs === undefined ? {} : { timeoutMs: c.timeoutMs };
}
