/**
 * `npm run bench:report`: renders docs/benchmarks/results.jsonl into results.md (a table per bench)
 * and results.svg (each bench's headline figure over its runs).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { RESULTS_FILE } from './record.js';
import { parseResults, renderPlot, renderResultsPage } from './render.js';

const dir = dirname(RESULTS_FILE);
const records = existsSync(RESULTS_FILE) ? parseResults(readFileSync(RESULTS_FILE, 'utf8')) : [];
const page = join(dir, 'results.md');
const plot = join(dir, 'results.svg');
writeFileSync(page, renderResultsPage(records, 'results.svg'));
writeFileSync(plot, renderPlot(records));
console.log(`${records.length} results -> ${relative(process.cwd(), page)}, ${relative(process.cwd(), plot)}`);
