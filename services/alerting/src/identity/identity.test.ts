import { describe, expect, it } from 'vitest';
import { alertFingerprint, type Alert } from '@tidewater/schemas';
import { identityCases, identityRoutingYaml } from '../../test/identity-cases.js';
import { pagerDutyDedupKey } from '../delivery/index.js';
import { compileRouteTree, groupKey, loadAlertingConfig, matchRoutes } from '../routing/index.js';
import { goQuote, identifyAlert, labelSetString, matchersString } from './index.js';

// What a real Alertmanager 0.25.0 (Debian) answered for identityCases: fingerprints from
// GET /api/v2/alerts, group keys from its webhooks, dedup keys from its PagerDuty events.
// alertmanager.int.test.ts asks a live one again.
const fingerprints: Record<keyof typeof identityCases, string> = {
  drift: 'dab47fda19f98b2d',
  solo: '678b588f14f8ffed',
  riskCritical: '5d283c3dfce4f565',
  riskUnicode: 'c7edbf0bb8fce3a1',
  riskLongName: '718f2171250585d6',
  unicodeValues: 'b1f7768c52fb86ef',
  emptyish: 'c3b144d758e4a5eb',
  noted: 'd0391a3edc7f8b10',
  quotedMatcher: '15c3c4409281e0de',
  manyLabels: '5d96e0cce8f42504',
  nameOrder: '12a39a3c95081977',
  digitSuffix: 'b112b314e238ccdf',
};

const groupKeys: Partial<Record<keyof typeof identityCases, string>> = {
  drift: '{}:{alertname="ModelDriftDetected", model="fraud-demo", model_version="1", severity="warning"}',
  riskUnicode: '{}/{severity=~"crit.*",team="risk"}:{alertname="Ünïcödé 模型", team="risk"}',
  unicodeValues:
    '{}:{alertname="UnicodeValues", combining="e\u0301 vs é", ctrl="tab\\tnl\\ncr\\rbell\\avt\\vdel\\x7fnul\\x00", emoji="🚀 launch 🧪", ' +
    'lineSep="a\\u2028b", model="模型", nbsp="a\\u00a0b", quote="say \\"hi\\" \\\\ bye", rtl="שלום", soft="a\\u00adb", zwsp="a\\u200bb"}',
  emptyish: '{}:{alertname="EmptyIsh", dash="-", quotes="\\"\\"", space=" ", zero="0"}',
  noted: '{}/{note=~".+"}:{alertname="Noted", note="with \\"quotes\\", a \\\\ backslash, a comma"}',
  quotedMatcher: '{}/{quoted="a\\"b\\\\c"}:{alertname="QuotedMatcher", quoted="a\\"b\\\\c"}',
  nameOrder: '{}:{A="4", Alertname="upper", _under="u", a="1", aB="3", a_b="2", alertname="NameOrder"}',
  // Alertmanager 0.25 to 0.27 answered {alertname="DigitSuffix", model2="b", model="a", x1="1", x="0"}
  // (it sorted `name="value"` strings); 0.28 and later sort by name, as here.
  digitSuffix: '{}:{alertname="DigitSuffix", model="a", model2="b", x="0", x1="1"}',
};

const dedupKeys = {
  riskCritical: 'ef2620ce48d01992eb8ddd0cde61be6fd309b5c551565c8e32a1679bc1569b8b',
  riskUnicode: '79c091d39b8f1c6985bc20716190000aa62e57c81bc9eb6e682b1ad81b76adfe',
  riskLongName: '8af8df558f2634e48999375cbab84175006690cc17d11765866e905feab987f2',
};

const tree = compileRouteTree(loadAlertingConfig({ yaml: identityRoutingYaml('http://h.test/hook', 'http://h.test/pd') }, {}).route);
const identified = (name: string) => identifyAlert(alert(identityCases[name]!));

describe('alert identities as Alertmanager makes them', () => {
  it('fingerprints: FNV-1a 64 over sorted names and values, 0xff after each', () => {
    for (const [name, fp] of Object.entries(fingerprints)) expect({ name, fp: identified(name).fingerprint }).toEqual({ name, fp });
    expect(alertFingerprint({})).toBe('cbf29ce484222325'); // FNV-1a's offset basis: nothing hashed
    expect(alertFingerprint({ b: '2', a: '1' })).toBe(alertFingerprint({ a: '1', b: '2' }));
    expect(alertFingerprint({ a: 'bc', d: '' })).not.toBe(alertFingerprint({ a: 'b', cd: '' }));
  });

  it('drops empty label values before identifying, as its API does', () => {
    expect(identified('emptyish').labels).toEqual({ alertname: 'EmptyIsh', space: ' ', zero: '0', dash: '-', quotes: '""' });
    const same = alert({ alertname: 'X' }, alertFingerprint({ alertname: 'X' }));
    expect(identifyAlert(same)).toBe(same);
  });

  it('group keys: route key and group labels, values quoted as Go quotes them', () => {
    for (const [name, key] of Object.entries(groupKeys)) {
      const a = identified(name);
      expect({ name, key: groupKey(matchRoutes(tree, a.labels)[0]!, a.labels) }).toEqual({ name, key });
    }
  });

  it('PagerDuty dedup_key: the sha256 of the group key', () => {
    for (const [name, dedup] of Object.entries(dedupKeys)) {
      const a = identified(name);
      const [route] = matchRoutes(tree, a.labels);
      expect(route?.receiver).toBe('pd');
      expect({ name, dedup: pagerDutyDedupKey(groupKey(route!, a.labels)) }).toEqual({ name, dedup });
    }
  });

  it("quotes like Go's strconv.Quote, not JSON.stringify", () => {
    expect(goQuote('\u0007\b\f\n\r\t\v"\\')).toBe('"\\a\\b\\f\\n\\r\\t\\v\\"\\\\"');
    expect(goQuote('\u0001\u001f\u007f')).toBe('"\\x01\\x1f\\x7f"');
    expect(goQuote('\u0085\u00a0\u2028\ufeff')).toBe('"\\u0085\\u00a0\\u2028\\ufeff"');
    expect(goQuote('\u{e0001}')).toBe('"\\U000e0001"');
    expect(goQuote('é模🚀 ')).toBe('"é模🚀 "');
    expect(goQuote('\ud800')).toBe('"\ufffd"'); // a lone surrogate is what UTF-8 would make of it
    expect(labelSetString({ b: '2', a: '1' })).toBe('{a="1", b="2"}');
    expect(labelSetString({})).toBe('{}');
  });

  it('orders route matchers by name, value, then type, as NewRoute sorts them', () => {
    expect(
      matchersString([
        { name: 'b', value: 'x', type: '!~' },
        { name: 'b', value: 'x', type: '=' },
        { name: 'a', value: 'z\n"\\', type: '!=' },
      ]),
    ).toBe('{a!="z\\n\\"\\\\",b="x",b!~"x"}');
    expect(matchersString([])).toBe('{}');
  });
});

function alert(labels: Record<string, string>, fingerprint = 'from-the-producer'): Alert {
  return { fingerprint, status: 'firing', labels, annotations: {}, starts_at: 0, ends_at: null, source: 'test', generator_url: null };
}
