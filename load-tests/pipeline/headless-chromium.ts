import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';

/** What headless Chromium saw of a page: the DOM after it ran, and every console line it printed. */
export interface DumpedPage {
  readonly dom: string;
  readonly console: readonly string[];
}

/** The Chromium binary: CHROMIUM_BIN, else Debian's `chromium`. */
export const chromiumBin = (): string => process.env['CHROMIUM_BIN'] ?? 'chromium';

/**
 * Opens a local file in headless Chromium with no network, lets its scripts and timers run for
 * `budgetMs` of virtual time, and returns the DOM (`--dump-dom`) and the console messages, which
 * Chromium logs to stderr as `INFO:CONSOLE` lines with `--enable-logging=stderr` (uncaught errors too).
 * No DevTools client is needed, so no dependency beyond the browser.
 */
export function dumpPage(file: string, budgetMs = 5000): Promise<DumpedPage> {
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--enable-logging=stderr',
    '--v=0',
    `--virtual-time-budget=${budgetMs}`,
    '--dump-dom',
    pathToFileURL(file).href,
  ];
  return new Promise((resolve, reject) => {
    execFile(chromiumBin(), args, { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(err);
      else resolve({ dom: stdout, console: stderr.split('\n').filter((l) => l.includes(':CONSOLE')) });
    });
  });
}
