import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifestErrors } from './errors.js';
import { parseModelManifest, type ModelManifest } from './model-manifest.js';

/** Name of the manifest file in a model directory. */
export const MANIFEST_FILE = 'manifest.json';

/** Reads and validates `<dir>/manifest.json`. Throws TW_MANIFEST_UNREADABLE or TW_MANIFEST_INVALID. */
export function readModelManifest(dir: string): ModelManifest {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw manifestErrors.create('TW_MANIFEST_UNREADABLE', `cannot read model manifest ${path}`, { cause, details: { path } });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw manifestErrors.create('TW_MANIFEST_INVALID', `model manifest ${path} is not valid JSON`, { cause, details: { source: path } });
  }
  return parseModelManifest(json, path);
}
