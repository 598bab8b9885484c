import { Counter } from 'prom-client';
import { createConsumerRunner, type ConsumerRunner } from '@tidewater/kafka';
import { avroConsumerCodec, type ServiceRuntime } from '@tidewater/service-runtime';
import type { Alert } from '@tidewater/schemas';
import type { AlertingConfig } from './config.js';
import { alertingErrors } from './errors.js';
import { slackMessage } from './slack-message.js';
import { postToSlack } from './slack-webhook.js';

export type AlertingDeps = Pick<ServiceRuntime, 'kafka' | 'logger' | 'metrics' | 'schemaRegistry' | 'deadLetterWriter'> & {
  readonly config: Pick<AlertingConfig, 'TOPIC_ALERTS' | 'TOPIC_ALERTS_DLQ' | 'CONSUMER_GROUP' | 'SLACK_WEBHOOK_URL' | 'SLACK_TIMEOUT_MS'>;
};

/**
 * Alerting (walking skeleton): each alert on `alerts` becomes one Slack message. Retriable
 * Slack failures are retried with backoff and the offset is not committed until delivery;
 * permanent refusals are parked on alerts.dlq with the reason. Grouping, silences and
 * routing come with the alerting issue.
 */
export async function createApp(deps: AlertingDeps): Promise<{ consumer: ConsumerRunner; start(): Promise<void>; close(): Promise<void> }> {
  const { config } = deps;
  const codec = avroConsumerCodec(deps.schemaRegistry, 'alert');
  // Records already delivered in this batch: a retry after a later failure must skip them.
  const delivered = new WeakSet<object>();
  const sent = new Counter({
    name: 'tw_alerting_notifications_total',
    help: 'Slack notifications, by outcome',
    labelNames: ['outcome'],
    registers: [deps.metrics],
  });

  const consumer = createConsumerRunner<Alert>({
    kafka: deps.kafka,
    groupId: config.CONSUMER_GROUP,
    topics: [config.TOPIC_ALERTS],
    logger: deps.logger,
    registry: deps.metrics,
    deadLetters: deps.deadLetterWriter(config.TOPIC_ALERTS_DLQ),
    ...codec,
    handle: async (records, tools) => {
      for (const r of records) {
        if (delivered.has(r)) continue;
        try {
          await postToSlack(config.SLACK_WEBHOOK_URL, slackMessage(r.value), config.SLACK_TIMEOUT_MS);
          delivered.add(r);
          sent.inc({ outcome: 'sent' });
          deps.logger.info(
            { fingerprint: r.value.fingerprint, status: r.value.status, alertname: r.value.labels['alertname'] },
            'alert delivered',
          );
        } catch (err) {
          if (alertingErrors.is(err, 'TW_ALERT_SLACK_REJECTED')) {
            sent.inc({ outcome: 'rejected' });
            tools.deadLetter(r, err);
            continue;
          }
          sent.inc({ outcome: 'retry' });
          throw err;
        }
      }
    },
    partitionsConsumedConcurrently: 1,
  });
  return { consumer, start: () => consumer.start(), close: () => consumer.close() };
}
