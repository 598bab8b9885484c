/**
 * Renders docs/benchmarks/results.jsonl (see record.ts) as markdown tables, one per bench, and an
 * SVG line plot of each bench's headline figure over its runs. Pure functions; report.ts does the I/O.
 */
import type { BenchRecord } from './record.js';

/** The figures shown per bench, headline first (the one plotted). Other benches show their first numeric fields. */
export const KEY_FIGURES: Readonly<Record<string, readonly string[]>> = {
  serde: ['encode_per_s', 'decode_per_s', 'encode_vs_avsc', 'decode_vs_avsc', 'encode_vs_official', 'decode_vs_official'],
  ingestion: ['kafka_events_per_s', 'http_events_per_s', 'http_p99_ms', 'ratio_kafka_bare_pipe', 'load_average_1m'],
  feature: ['events_per_s', 'p99_batch_ms', 'ratio_service_bare_pipe', 'serving_get_p99_ms', 'serving_batch_get_p99_ms'],
  inference: ['worker_msgs_per_s', 'worker_rss_mb', 'worker_p99_ms', 'ratio_worker_naive', 'ratio_worker_bare_pipe'],
  drift: ['vectors_per_s', 'vectors_per_s_with_decode', 'pipeline_predictions_per_s', 'ratio_vs_pipeline'],
  kafka: ['kafkajs_produce_msgs_per_s', 'kafkajs_consume_msgs_per_s', 'java_produce_msgs_per_s', 'kafkajs_pipe_msgs_per_s'],
  'kafka-clients': [
    'inference_msgs_per_s_kafkajs_patched',
    'inference_msgs_per_s_platformatic',
    'inference_msgs_per_s_kafkajs_pristine',
    'inference_cpu_us_per_event_ratio_platformatic',
    'feature_events_per_s_ratio_platformatic',
    'inference_cpu_us_per_event_ratio_kafkajs_pristine',
  ],
};

const FALLBACK_FIGURES = 6;

/** Parses results.jsonl; blank lines are skipped, a malformed line throws with its line number. */
export function parseResults(text: string): BenchRecord[] {
  const records: BenchRecord[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (err) {
      throw new SyntaxError(`results.jsonl line ${index + 1} is not JSON`, { cause: err });
    }
    if (!isRecord(parsed)) throw new TypeError(`results.jsonl line ${index + 1} is not a bench record`);
    records.push(parsed);
  });
  return records;
}

function isRecord(value: unknown): value is BenchRecord {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['bench'] === 'string' && typeof v['date'] === 'string' && typeof v['commit'] === 'string' && typeof v['result'] === 'object'
  );
}

/** The figures a table shows for a bench. */
export function figuresOf(bench: string, records: readonly BenchRecord[]): readonly string[] {
  const known = KEY_FIGURES[bench];
  if (known) return known;
  const first = records[0]?.result ?? {};
  return Object.keys(first)
    .filter((k) => typeof first[k] === 'number')
    .slice(0, FALLBACK_FIGURES);
}

/** Records grouped by bench, benches in name order, runs in date order. */
export function byBench(records: readonly BenchRecord[]): Map<string, BenchRecord[]> {
  const groups = new Map<string, BenchRecord[]>();
  for (const r of [...records].sort((a, b) => a.date.localeCompare(b.date))) {
    groups.set(r.bench, [...(groups.get(r.bench) ?? []), r]);
  }
  return new Map([...groups.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

export function formatFigure(value: unknown): string {
  if (typeof value === 'number') {
    return Number.isInteger(value) && Math.abs(value) >= 1000 ? value.toLocaleString('en-US') : String(value);
  }
  if (value === null || value === undefined) return '—';
  return String(value);
}

/** A markdown table with its columns padded as prettier pads them (so a rendered file passes `prettier --check`). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = [header, ...rows].map((row) => row.map((c) => c.replace(/\|/g, '\\|')));
  const widths = header.map((_, i) => Math.max(3, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]) => `| ${widths.map((w, i) => (row[i] ?? '').padEnd(w)).join(' | ')} |`;
  return [line(cells[0]!), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.slice(1).map(line)].join('\n');
}

function machineOf(r: BenchRecord): string {
  return `${r.machine.cpus} × ${r.machine.cpu_model}, ${r.machine.memory_gb} GB, ${r.machine.node}`;
}

/** One table per bench: date, commit (with `+dirty`), the key figures, the machine. */
export function renderTables(records: readonly BenchRecord[]): string {
  const sections: string[] = [];
  for (const [bench, runs] of byBench(records)) {
    const figures = figuresOf(bench, runs);
    const rows = runs.map((r) => [
      r.date.slice(0, 16).replace('T', ' '),
      `\`${r.commit.slice(0, 7)}\`${r.dirty ? ' +dirty' : ''}`,
      ...figures.map((f) => formatFigure(r.result[f])),
      machineOf(r),
    ]);
    sections.push(`## bench:${bench}\n\n${markdownTable(['date (UTC)', 'commit', ...figures, 'machine'], rows)}\n`);
  }
  return sections.join('\n');
}

/** The whole results.md page. */
export function renderResultsPage(records: readonly BenchRecord[], plotFile: string): string {
  const intro = [
    '# Benchmark results',
    '',
    'Generated by `npm run bench:report` from [results.jsonl](results.jsonl); do not edit. A bench appends its final JSON line',
    'there when run with `BENCH_RECORD=1` (for example `BENCH_RECORD=1 npm run bench:serde`), with the commit (`+dirty` when',
    'files differed from it), the date and the machine. Older figures, measured before results were recorded, are in the',
    'other pages of this folder.',
    '',
    `![headline figure of each bench over its runs](${plotFile})`,
    '',
  ].join('\n');
  return records.length === 0 ? `${intro}\nNo results recorded yet.\n` : `${intro}\n${renderTables(records)}`;
}

const PANEL_W = 360;
const PANEL_H = 150;
const PAD = { left: 70, right: 12, top: 28, bottom: 24 };

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A small SVG, one panel per bench: its headline figure against run order, from zero to its maximum. */
export function renderPlot(records: readonly BenchRecord[]): string {
  const groups = [...byBench(records)];
  const columns = Math.min(2, Math.max(1, groups.length));
  const rows = Math.max(1, Math.ceil(groups.length / columns));
  const width = columns * PANEL_W;
  const height = rows * PANEL_H;
  const parts: string[] = [];
  groups.forEach(([bench, runs], i) => {
    const figure = figuresOf(bench, runs)[0];
    const x0 = (i % columns) * PANEL_W;
    const y0 = Math.floor(i / columns) * PANEL_H;
    const points = runs
      .map((r, j) => ({ j, v: figure === undefined ? NaN : Number(r.result[figure]) }))
      .filter((p) => Number.isFinite(p.v));
    parts.push(`<text x="${x0 + PAD.left}" y="${y0 + 16}" font-weight="bold">bench:${escapeXml(bench)} ${escapeXml(figure ?? '')}</text>`);
    const left = x0 + PAD.left;
    const right = x0 + PANEL_W - PAD.right;
    const top = y0 + PAD.top;
    const bottom = y0 + PANEL_H - PAD.bottom;
    parts.push(`<polyline fill="none" stroke="#999" points="${left},${top} ${left},${bottom} ${right},${bottom}"/>`);
    if (points.length === 0) return;
    // The axis starts at zero (or the lowest value, if negative), so a small change does not look like a large one.
    const lo = Math.min(0, ...points.map((p) => p.v));
    const max = Math.max(...points.map((p) => p.v));
    const hi = max > lo ? max : lo + 1;
    const x = (j: number) => (runs.length === 1 ? (left + right) / 2 : left + ((right - left) * j) / (runs.length - 1));
    const y = (v: number) => bottom - ((bottom - top) * (v - lo)) / (hi - lo);
    const coords = points.map((p) => `${x(p.j).toFixed(1)},${y(p.v).toFixed(1)}`);
    parts.push(`<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${coords.join(' ')}"/>`);
    for (const c of coords) {
      const [cx, cy] = c.split(',');
      parts.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="#1f77b4"/>`);
    }
    parts.push(`<text x="${left - 4}" y="${y(hi).toFixed(1)}" text-anchor="end">${escapeXml(formatFigure(hi))}</text>`);
    parts.push(`<text x="${left - 4}" y="${y(lo).toFixed(1)}" text-anchor="end">${escapeXml(formatFigure(lo))}</text>`);
    parts.push(`<text x="${right}" y="${bottom + 16}" text-anchor="end">${runs.length} run${runs.length === 1 ? '' : 's'}</text>`);
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
