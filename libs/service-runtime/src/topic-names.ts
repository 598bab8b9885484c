import { z } from 'zod';

/**
 * Topic names, each overridable by its own variable so that tests can run on private topics
 * and operators can follow their naming rules. Defaults match deploy/topics.yaml.
 */
export const topicNamesEnv = {
  TOPIC_EVENTS_RAW: z.string().min(1).default('events.raw'),
  TOPIC_EVENTS_VALID: z.string().min(1).default('events.valid'),
  TOPIC_EVENTS_DLQ: z.string().min(1).default('events.dlq'),
  TOPIC_FEATURES: z.string().min(1).default('features'),
  TOPIC_PREDICTIONS: z.string().min(1).default('predictions'),
  TOPIC_DRIFT_REPORTS: z.string().min(1).default('drift.reports'),
  TOPIC_ALERTS: z.string().min(1).default('alerts'),
  TOPIC_ALERTS_DLQ: z.string().min(1).default('alerts.dlq'),
};
