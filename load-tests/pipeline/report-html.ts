/**
 * The load run's HTML report: one self-contained file with uPlot (a small, maintained canvas
 * charting library) and its stylesheet inlined, so it opens offline and can be attached to an issue.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Time series of the whole run; `t` is seconds since the run started. */
export interface ReportSeries {
  readonly latency: { t: number[]; p50: number[]; p95: number[]; p99: number[]; max: number[] };
  readonly throughput: { t: number[]; sent: number[]; scored: number[] };
  readonly lag: { t: number[]; groups: Record<string, (number | null)[]> };
  readonly cpu: { t: number[]; services: Record<string, (number | null)[]> };
  /** Where each step started, for the markers on every chart. */
  readonly steps: { t: number; label: string }[];
}

export interface ReportInput {
  readonly title: string;
  /** Lines describing the run (command, commit, machine, caveats). */
  readonly about: readonly string[];
  /** The run's final JSON object, shown as a table of its steps and printed in full. */
  readonly summary: { steps: readonly Record<string, unknown>[] } & Record<string, unknown>;
  readonly series: ReportSeries;
  /** More tables after the steps' (the chaos run's faults), columns from the first row's keys. */
  readonly tables?: readonly { readonly title: string; readonly rows: readonly Record<string, unknown>[] }[];
}

const require = createRequire(import.meta.url);

/** uPlot's browser bundle (IIFE, defines `uPlot`) and stylesheet, read from node_modules. */
export function uplotAssets(): { js: string; css: string } {
  const dist = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
  return { js: readFileSync(join(dist, 'uPlot.iife.min.js'), 'utf8'), css: readFileSync(join(dist, 'uPlot.min.css'), 'utf8') };
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
// Inside <script>, only "</script" (any case) and "<!--" can end or confuse the element; JSON escapes of "<" avoid both.
const scriptSafe = (s: string) => s.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
const jsonForScript = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

const STEP_COLUMNS = [
  'kind',
  'rate',
  'sent',
  'scored',
  'dlq',
  'lost',
  'sustained',
  'e2e_p50_ms',
  'e2e_p95_ms',
  'e2e_p99_ms',
  'e2e_max_ms',
  'out_events_per_s',
  'end_outstanding',
  'end_lag',
];

function stepsTable(steps: readonly Record<string, unknown>[]): string {
  if (steps.length === 0) return '';
  const head = STEP_COLUMNS.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const rows = steps.map((s) => `<tr>${STEP_COLUMNS.map((c) => `<td>${escapeHtml(String(s[c] ?? ''))}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

function rowsTable(rows: readonly Record<string, unknown>[]): string {
  const columns = Object.keys(rows[0] ?? {});
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = rows.map((r) => `<tr>${columns.map((c) => `<td>${escapeHtml(String(r[c] ?? ''))}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

type StageFigures = Record<string, { p50_ms?: unknown; p95_ms?: unknown; p99_ms?: unknown; max_ms?: unknown }>;

/** Each step's per-hop p50 / p95 / p99 / max, where the steps carry `stages`. */
function stagesTable(steps: readonly Record<string, unknown>[]): string {
  const withStages = steps.filter((s) => typeof s['stages'] === 'object' && s['stages'] !== null);
  if (withStages.length === 0) return '';
  const names = Object.keys(withStages[0]!['stages'] as StageFigures);
  const head = `<th>rate</th>${names.map((n) => `<th>${escapeHtml(n)} p50 / p95 / p99 / max ms</th>`).join('')}`;
  const rows = withStages
    .map((s) => {
      const stages = s['stages'] as StageFigures;
      const cells = names.map((n) => {
        const f = stages[n];
        return `<td>${escapeHtml([f?.p50_ms, f?.p95_ms, f?.p99_ms, f?.max_ms].map((v) => String(v ?? '')).join(' / '))}</td>`;
      });
      return `<tr><td>${escapeHtml(String(s['rate'] ?? ''))}</td>${cells.join('')}</tr>`;
    })
    .join('\n');
  return `<h2>Per hop</h2><table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

// Runs in the page: draws the four charts, then marks on <body> how many canvases have drawn
// pixels and any error, which the Chromium test reads from the dumped DOM.
const pageScript = `
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var s = data.series;
  var palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
  var width = Math.min(1000, document.body.clientWidth - 40);
  var marks = { hooks: { draw: [function (u) {
    var ctx = u.ctx; ctx.save(); ctx.strokeStyle = '#999'; ctx.setLineDash([4, 4]); ctx.fillStyle = '#555';
    ctx.font = (11 * devicePixelRatio) + 'px sans-serif';
    s.steps.forEach(function (m) {
      var x = u.valToPos(m.t, 'x', true);
      ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
      ctx.fillText(m.label, x + 3, u.bbox.top + 12 * devicePixelRatio);
    });
    ctx.restore();
  }] } };
  function chart(id, title, unit, t, named) {
    var names = Object.keys(named);
    var opts = {
      title: title, width: width, height: 280, plugins: [marks],
      scales: { x: { time: false } },
      axes: [{ label: 'seconds since start' }, { label: unit, size: 70 }],
      series: [{ label: 's' }].concat(names.map(function (n, i) { return { label: n, stroke: palette[i % palette.length], width: 1.5, spanGaps: false }; }))
    };
    return new uPlot(opts, [t].concat(names.map(function (n) { return named[n]; })), document.getElementById(id));
  }
  var charts = [
    chart('latency', 'End-to-end latency (scheduled send to prediction read), per second', 'ms', s.latency.t, { p50: s.latency.p50, p95: s.latency.p95, p99: s.latency.p99, max: s.latency.max }),
    chart('throughput', 'Throughput: events sent and predictions read', 'events/s', s.throughput.t, { sent: s.throughput.sent, scored: s.throughput.scored }),
    chart('lag', 'Consumer lag per group (committed offset to high watermark)', 'records', s.lag.t, s.lag.groups),
    chart('cpu', 'CPU per process (1 = one core)', 'cores', s.cpu.t, s.cpu.services)
  ];
  setTimeout(function () {
    var drawn = 0;
    document.querySelectorAll('.chart canvas').forEach(function (c) {
      var px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, n = 0;
      for (var i = 3; i < px.length; i += 4) if (px[i] !== 0) n++;
      if (n > 100) drawn++;
    });
    document.body.setAttribute('data-charts', String(charts.length));
    document.body.setAttribute('data-charts-drawn', String(drawn));
  }, 0);
})();
`;

/** The report as one HTML document. */
export function renderReport(input: ReportInput, assets: { js: string; css: string } = uplotAssets()): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(input.title)}</title>
<script>
window.__reportErrors = [];
window.addEventListener('error', function (e) { window.__reportErrors.push(String(e.message || e.type)); document.documentElement.setAttribute('data-errors', JSON.stringify(window.__reportErrors)); }, true);
</script>
<style>${assets.css}
body { font-family: system-ui, sans-serif; margin: 20px; color: #222; }
table { border-collapse: collapse; font-size: 13px; margin: 12px 0; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
pre { background: #f6f6f6; padding: 8px; overflow-x: auto; font-size: 12px; }
.chart { margin: 18px 0; }
</style>
</head>
<body>
<h1>${escapeHtml(input.title)}</h1>
<ul>${input.about.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>
${stepsTable(input.summary.steps)}
${stagesTable(input.summary.steps)}
${(input.tables ?? []).map((t) => `<h2>${escapeHtml(t.title)}</h2>${rowsTable(t.rows)}`).join('\n')}
<div class="chart" id="latency"></div>
<div class="chart" id="throughput"></div>
<div class="chart" id="lag"></div>
<div class="chart" id="cpu"></div>
<h2>Result</h2>
<pre>${escapeHtml(JSON.stringify(input.summary, null, 2))}</pre>
<script id="report-data" type="application/json">${jsonForScript({ series: input.series })}</script>
<script>${scriptSafe(assets.js)}</script>
<script>${scriptSafe(pageScript)}</script>
</body>
</html>
`;
}
