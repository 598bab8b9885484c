import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderGeneratedTypes } from '../src/generated-types-file.js';

// Writes libs/schemas/src/generated/avro-types.ts; a unit test fails when it is stale.
const target = join(import.meta.dirname, '..', 'src', 'generated', 'avro-types.ts');
const next = renderGeneratedTypes();
let current = '';
try {
  current = readFileSync(target, 'utf8');
} catch {
  current = '';
}
if (current !== next) {
  writeFileSync(target, next);
  console.log(`wrote ${target}`);
} else {
  console.log(`${target} is current`);
}
