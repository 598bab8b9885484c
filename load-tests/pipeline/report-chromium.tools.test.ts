import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dumpPage } from './headless-chromium.js';
import { renderReport } from './report-html.js';
import { syntheticReportInput } from './synthetic-report.js';

// Needs Debian's `chromium` (or CHROMIUM_BIN); no stack: the report is made from synthetic series.
describe('the load report in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-load-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('draws all four charts offline, with nothing on the console', async () => {
    const file = join(dir, 'report.html');
    writeFileSync(file, renderReport(syntheticReportInput()));
    const page = await dumpPage(file);
    expect(page.console).toEqual([]);
    expect(page.dom).not.toContain('data-errors=');
    // The page marks how many charts it made and how many canvases have drawn pixels.
    expect(page.dom).toMatch(/<body[^>]* data-charts="4"/);
    expect(page.dom).toMatch(/<body[^>]* data-charts-drawn="4"/);
    expect(page.dom.match(/<canvas/g)?.length).toBeGreaterThanOrEqual(4);
  });

  it('reports a broken page, so a pass means something', async () => {
    const file = join(dir, 'broken.html');
    const html = renderReport(syntheticReportInput(), { js: 'window.uPlot = undefined;', css: '' });
    writeFileSync(file, html);
    const page = await dumpPage(file);
    expect(page.console.join('\n')).toMatch(/uPlot is not a constructor|TypeError/);
    expect(page.dom).not.toMatch(/data-charts-drawn="4"/);
  });
});
