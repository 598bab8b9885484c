import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderGeneratedTypes } from './generated-types-file.js';

describe('generated Avro types', () => {
  it('are current with schemas/*.avsc (run `npm run codegen` when this fails)', () => {
    const committed = readFileSync(join(import.meta.dirname, 'generated', 'avro-types.ts'), 'utf8');
    expect(committed).toBe(renderGeneratedTypes());
  });
});
