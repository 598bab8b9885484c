import { fileURLToPath } from 'node:url';
import { checkDocumentedCodes } from '@tidewater/errors';
import { describe, expect, it } from 'vitest';
import { devSchemaRegistryErrors, wireErrors } from './errors.js';

describe('dev schema registry errors', () => {
  it('documents every code in the README and no stale ones', () => {
    const readme = fileURLToPath(new URL('../README.md', import.meta.url));
    expect(checkDocumentedCodes(devSchemaRegistryErrors.catalogue, 'TW_DEVSR_', readme)).toEqual({ missing: [], stale: [] });
  });

  it('maps every code to a Confluent wire error', () => {
    expect(Object.keys(wireErrors).sort()).toEqual(Object.keys(devSchemaRegistryErrors.catalogue).sort());
  });
});
