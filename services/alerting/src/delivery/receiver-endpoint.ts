import { createHash } from 'node:crypto';
import type { Notification } from '../notification.js';
import { pagerDutyEvent, pagerDutyEventsUrl } from './pagerduty-event.js';
import { slackNotificationMessage, type SlackMessageOptions } from './slack-notification-message.js';
import { webhookPayload, type WebhookPayloadOptions } from './webhook-payload.js';

/** Default time a receiver has to answer one POST. */
export const defaultReceiverTimeoutMs = 10_000;

/** Where and how one receiver is notified. */
export type ReceiverEndpoint =
  | ({ readonly type: 'slack'; readonly url: string; readonly timeoutMs?: number } & SlackMessageOptions)
  | { readonly type: 'pagerduty'; readonly routingKey: string; readonly url?: string; readonly timeoutMs?: number }
  | ({
      readonly type: 'webhook';
      readonly url: string;
      readonly timeoutMs?: number;
      readonly headers?: Readonly<Record<string, string>>;
    } & WebhookPayloadOptions);

/** One POST: where, what, and how long to wait. */
export interface ReceiverRequest {
  readonly url: string;
  readonly body: unknown;
  readonly timeoutMs: number;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * What the per-endpoint rate limit is keyed by: the URL's hash, plus the routing key for
   * PagerDuty (one URL serves every integration, and its limits are per integration).
   */
  readonly limitKey: string;
}

/** The request that notifies `endpoint` of `n`, built at send time so a config change applies to queued items. */
export function receiverRequest(endpoint: ReceiverEndpoint, n: Notification): ReceiverRequest {
  const timeoutMs = timeoutOf(endpoint);
  switch (endpoint.type) {
    case 'slack':
      return { url: endpoint.url, body: slackNotificationMessage(n, endpoint), timeoutMs, limitKey: endpointId(endpoint.url) };
    case 'pagerduty': {
      const url = endpoint.url ?? pagerDutyEventsUrl;
      return { url, body: pagerDutyEvent(n, endpoint.routingKey), timeoutMs, limitKey: endpointId(`${url} ${endpoint.routingKey}`) };
    }
    case 'webhook':
      return {
        url: endpoint.url,
        body: webhookPayload(n, endpoint),
        timeoutMs,
        limitKey: endpointId(endpoint.url),
        ...(endpoint.headers ? { headers: endpoint.headers } : {}),
      };
  }
}

/** The longest an endpoint may take to answer, for sizing leases. */
export function timeoutOf(endpoint: ReceiverEndpoint): number {
  return endpoint.timeoutMs ?? defaultReceiverTimeoutMs;
}

/**
 * A name for an endpoint URL that is safe to store and log: a Slack webhook URL is a credential,
 * so rate-limit keys and log lines carry its hash, never the URL.
 */
export function endpointId(url: string): string {
  return createHash('sha256').update(url).digest('hex').slice(0, 16);
}
