import { describe, expect, it } from 'vitest';
import { renderReport, uplotAssets } from './report-html.js';
import { syntheticReportInput } from './synthetic-report.js';

describe('renderReport', () => {
  const input = syntheticReportInput();
  const html = renderReport(input);

  it('inlines uPlot and its stylesheet, and loads nothing from elsewhere', () => {
    const { js, css } = uplotAssets();
    expect(js.length).toBeGreaterThan(20_000);
    expect(html).toContain(css.slice(0, 200));
    expect(html).toContain('uPlot');
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
    // The bundle's licence banner names its repository; nothing else points off the page.
    expect(html.replace('https://github.com/leeoniya/uPlot', '')).not.toMatch(/https?:\/\//);
  });

  it('carries the series as JSON and the steps as a table', () => {
    const data = /<script id="report-data" type="application\/json">(.*?)<\/script>/s.exec(html)?.[1];
    expect(JSON.parse(data!)).toEqual({ series: input.series });
    for (const id of ['latency', 'throughput', 'lag', 'cpu']) expect(html).toContain(`<div class="chart" id="${id}">`);
    expect(html).toContain('<td>1000</td>');
    expect(html).toContain('<th>feature p50 / p95 / p99 / max ms</th>');
    expect(html).toContain('<td>7 / 20 / 31 / 44</td>');
    expect(html).toContain('&quot;max_sustained_events_per_s&quot;: 500');
  });

  it('escapes text that would end a script or open a tag', () => {
    const evil = renderReport({ ...input, title: '<b>x</b>', series: { ...input.series, steps: [{ t: 0, label: '</script><b>' }] } });
    expect(evil).toContain('<title>&lt;b&gt;x&lt;/b&gt;</title>');
    expect(evil).not.toContain('</script><b>');
    expect(evil).toContain('\\u003c/script>\\u003cb>');
  });
});
