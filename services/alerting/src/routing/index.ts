export {
  loadAlertingConfig,
  defaultAlertingConfig,
  alertmanagerRouteDefaults,
  type AlertingConfigSource,
  type AlertingRuntimeConfig,
  type RouteConfig,
  type RootRouteConfig,
  type GroupBy,
  type MatcherConfig,
  type ReceiverConfig,
  type SlackReceiverConfig,
  type PagerDutyReceiverConfig,
  type WebhookReceiverConfig,
  type InhibitRuleConfig,
} from './alerting-config.js';
export type { ConfigEnv } from './config-schema.js';
export {
  compileRouteTree,
  matchRoutes,
  groupLabels,
  groupKey,
  groupId,
  routeKeyById,
  type RouteTree,
  type RouteNode,
  type MatchedRoute,
} from './route-tree.js';
export { createInhibitor, type Inhibitor } from './inhibitor.js';
export { parseMatcher, parseMatchers, formatMatcher, type ParsedMatcher } from './matcher-syntax.js';
export { parseDuration, formatDuration } from './duration.js';
