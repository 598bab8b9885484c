import { readFileSync } from 'node:fs';
import type { ErrorCatalogue } from './error-catalogue.js';

/**
 * Codes of a catalogue missing from a markdown document, and codes the document mentions
 * with the prefix that the catalogue no longer has. Used by each package's docs test.
 */
export function checkDocumentedCodes(catalogue: ErrorCatalogue<string>, prefix: string, markdownFile: string) {
  const text = readFileSync(markdownFile, 'utf8');
  const codes = Object.keys(catalogue);
  const missing = codes.filter((c) => !new RegExp(`\\b${c}\\b`).test(text));
  const mentioned = new Set(text.match(new RegExp(`\\b${prefix}[A-Z0-9_]+\\b`, 'g')) ?? []);
  const stale = [...mentioned].filter((c) => !codes.includes(c));
  return { missing, stale };
}
