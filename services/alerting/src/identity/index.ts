export { alertmanagerGroupKey, labelSetString, matchersString, routeKey, type KeyMatcher } from './group-key.js';
export { goQuote } from './go-quote.js';
export { identifyAlert } from './identify-alert.js';
