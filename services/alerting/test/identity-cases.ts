/**
 * Label sets whose identities are checked against a real Alertmanager (identity.int.test.ts) and,
 * with what Alertmanager answered for them, without one (identity/*.test.ts). They cover
 * unicode, characters Go quotes differently from JSON, empty values, many labels and label names
 * whose order is easy to get wrong.
 */
export const identityCases: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  drift: { alertname: 'ModelDriftDetected', model: 'fraud-demo', model_version: '1', severity: 'warning' },
  solo: { alertname: 'Solo' },
  riskCritical: { alertname: 'ScoreLatencyHigh', team: 'risk', severity: 'critical', model: 'fraud-demo' },
  riskUnicode: { alertname: 'Ünïcödé 模型', team: 'risk', severity: 'critical-ü', model: '模型-β' },
  riskLongName: { alertname: `Long${'x'.repeat(300)}`, team: 'risk', severity: 'critical' },
  unicodeValues: {
    alertname: 'UnicodeValues',
    model: '模型',
    emoji: '🚀 launch 🧪',
    combining: 'e\u0301 vs é',
    rtl: 'שלום',
    nbsp: 'a\u00a0b',
    zwsp: 'a\u200bb',
    lineSep: 'a\u2028b',
    soft: 'a\u00adb',
    ctrl: 'tab\tnl\ncr\rbell\u0007vt\u000bdel\u007fnul\u0000',
    quote: 'say "hi" \\ bye',
  },
  emptyish: { alertname: 'EmptyIsh', empty: '', space: ' ', zero: '0', dash: '-', quotes: '""', alsoEmpty: '' },
  noted: { alertname: 'Noted', note: 'with "quotes", a \\ backslash, a comma' },
  quotedMatcher: { alertname: 'QuotedMatcher', quoted: 'a"b\\c' },
  manyLabels: {
    alertname: 'ManyLabels',
    ...Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`l${String(i).padStart(2, '0')}`, `value ${i} ${'ß'.repeat(i % 7)}`])),
  },
  nameOrder: { alertname: 'NameOrder', Alertname: 'upper', _under: 'u', a: '1', a_b: '2', aB: '3', A: '4' },
  digitSuffix: { alertname: 'DigitSuffix', model: 'a', model2: 'b', x: '0', x1: '1' },
};

/**
 * Routing for the cases, read by Alertmanager and by `loadAlertingConfig` alike: the root groups
 * by every label; risk alerts page (`pd`); two routes exercise matcher values in route keys.
 */
export function identityRoutingYaml(hookUrl: string, pagerDutyUrl: string): string {
  return `
route:
  receiver: hook
  group_by: ['...']
  group_wait: 1s
  group_interval: 5m
  routes:
    - matchers: ['team="risk"', 'severity=~"crit.*"']
      receiver: pd
      group_by: [alertname, team]
    - matchers: ['note=~".+"']
      receiver: hook
      group_by: [alertname, note]
    - matchers: ['{quoted="a\\"b\\\\c"}']
      receiver: hook
receivers:
  - name: hook
    webhook_configs: [{ url: "${hookUrl}" }]
  - name: pd
    pagerduty_configs: [{ routing_key: R0UTING, url: "${pagerDutyUrl}" }]
`;
}
