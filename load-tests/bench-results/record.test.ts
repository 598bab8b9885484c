import { format } from 'prettier';
import { describe, expect, it } from 'vitest';
import { dirtyPaths, formatRecordLine, shouldRecord, type RunContext } from './record.js';
import { markdownTable, parseResults, renderPlot, renderResultsPage, renderTables } from './render.js';

const context = (date: string, commit = 'a'.repeat(40), dirty = false): RunContext => ({
  commit,
  dirty,
  dirty_paths: dirty ? ['README.md'] : [],
  date,
  machine: { cpu_model: 'Test CPU', cpus: 2, memory_gb: 7.8, node: 'v20.20.2', platform: 'linux', arch: 'x64', host: '0123abcd' },
});

const serdeLine = (encode: number) =>
  JSON.stringify({ bench: 'serde', encode_per_s: encode, decode_per_s: 2_000_000, encode_vs_avsc: 0.98 });

describe('shouldRecord', () => {
  it('records with BENCH_RECORD=1 or true, or a --record argument, and not otherwise', () => {
    expect(shouldRecord({ BENCH_RECORD: '1' }, [])).toBe(true);
    expect(shouldRecord({ BENCH_RECORD: 'true' }, [])).toBe(true);
    expect(shouldRecord({}, ['node', 'bench.ts', '--record'])).toBe(true);
    expect(shouldRecord({}, ['node', 'bench.ts'])).toBe(false);
    expect(shouldRecord({ BENCH_RECORD: '0' }, [])).toBe(false);
  });
});

describe('formatRecordLine', () => {
  it('writes one JSON line: bench, commit, dirty, date, machine, then the result untouched', () => {
    const line = formatRecordLine(serdeLine(1_500_000), context('2026-12-06T07:00:00.000Z'));
    expect(line.endsWith('\n')).toBe(true);
    expect(line.trimEnd().includes('\n')).toBe(false);
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['bench', 'commit', 'dirty', 'dirty_paths', 'date', 'machine', 'result']);
    expect(parsed['bench']).toBe('serde');
    expect(parsed['result']).toEqual(JSON.parse(serdeLine(1_500_000)));
  });

  it('refuses a line that is not a JSON object with a bench name', () => {
    expect(() => formatRecordLine('[1,2]', context('2026-12-06T07:00:00.000Z'))).toThrow(TypeError);
    expect(() => formatRecordLine('{"x":1}', context('2026-12-06T07:00:00.000Z'))).toThrow(/bench/);
    expect(() => formatRecordLine('not json', context('2026-12-06T07:00:00.000Z'))).toThrow(SyntaxError);
  });
});

describe('dirtyPaths', () => {
  it('lists changed paths but not the results file, and skips a rename source', () => {
    const status = [' M README.md', '?? docs/benchmarks/results.jsonl', 'R  new.ts', 'old.ts', ''].join('\0');
    expect(dirtyPaths(status, ['docs/benchmarks/results.jsonl'])).toEqual(['README.md', 'new.ts']);
    expect(dirtyPaths('', [])).toEqual([]);
  });
});

describe('rendering', () => {
  const text = [
    formatRecordLine(serdeLine(1_600_000), context('2026-12-06T08:00:00.000Z', 'b'.repeat(40), true)),
    '\n',
    formatRecordLine(serdeLine(1_500_000), context('2026-12-06T07:00:00.000Z')),
    formatRecordLine(JSON.stringify({ bench: 'other', a: 1, b: 'x', c: 2.5 }), context('2026-12-06T07:30:00.000Z')),
  ].join('');
  const records = parseResults(text);

  it('parses records and names the line of a malformed one', () => {
    expect(records.map((r) => r.bench)).toEqual(['serde', 'serde', 'other']);
    expect(() => parseResults(`${text}{oops\n`)).toThrow(/line 5/);
  });

  it('renders a table per bench, runs in date order, key figures and dirty commits marked', () => {
    const md = renderTables(records);
    expect(md).toContain('## bench:other');
    expect(md.indexOf('## bench:other')).toBeLessThan(md.indexOf('## bench:serde'));
    const serde = md.slice(md.indexOf('## bench:serde'));
    const rows = serde.split('\n').filter((l) => l.startsWith('| 2026'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^\| 2026-12-06 07:00 \| `aaaaaaa` +\| 1,500,000 +\| 2,000,000 +\| 0\.98 +\| — /);
    expect(rows[1]).toContain('`bbbbbbb` +dirty');
    // A bench without a known list shows its numeric fields.
    expect(md).toMatch(/\| date \(UTC\) +\| commit +\| a +\| c +\| machine +\|/);
  });

  it('renders markdown that prettier leaves as it is', async () => {
    const page = renderResultsPage(records, 'results.svg');
    expect(await format(page, { parser: 'markdown', printWidth: 140 })).toBe(page);
    const table = markdownTable(['a', 'long header'], [['x|y', '1']]);
    expect(await format(table, { parser: 'markdown' })).toBe(`${table}\n`);
  });

  it('plots one panel per bench with a point per run', () => {
    const svg = renderPlot(records);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('bench:serde encode_per_s');
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(renderPlot([])).toContain('</svg>');
  });
});
