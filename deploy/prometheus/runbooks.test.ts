// docs/runbooks/ has one page per alert of deploy/prometheus/rules and nothing else; the index lists
// them all; each page names its alert and severity as the rule does; relative links resolve.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alertRules, runbooksDir } from './metric-contract.js';

const alerts = alertRules();
const pages = readdirSync(runbooksDir).filter((f) => f.endsWith('.md') && f !== 'README.md');
const index = readFileSync(join(runbooksDir, 'README.md'), 'utf8');

describe('runbooks', () => {
  it('exist for every alert', () => {
    const missing = alerts.filter((a) => !existsSync(join(runbooksDir, `${a.alert}.md`))).map((a) => a.alert);
    expect(missing).toEqual([]);
  });

  it('each belong to an alert', () => {
    const names = new Set(alerts.map((a) => `${a.alert}.md`));
    expect(pages.filter((p) => !names.has(p))).toEqual([]);
  });

  it('are all listed in docs/runbooks/README.md', () => {
    expect(pages.filter((p) => !index.includes(`](${p})`))).toEqual([]);
  });

  it('name their alert and its severity as the rule does', () => {
    for (const a of alerts) {
      const path = join(runbooksDir, `${a.alert}.md`);
      if (!existsSync(path)) continue; // reported by the first test
      const text = readFileSync(path, 'utf8');
      expect(text.split('\n')[0], path).toBe(`# ${a.alert}`);
      expect(text, path).toContain(`**Severity** \`${a.labels?.['severity']}\``);
    }
  });

  it('link only to files that exist', () => {
    const broken: string[] = [];
    for (const page of [...pages, 'README.md']) {
      const text = readFileSync(join(runbooksDir, page), 'utf8');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = (m[1] as string).split('#')[0] as string;
        if (target === '' || /^[a-z]+:/.test(target)) continue; // an anchor on the page, or a URL
        if (!existsSync(join(dirname(join(runbooksDir, page)), target))) broken.push(`${page}: ${m[1]}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
