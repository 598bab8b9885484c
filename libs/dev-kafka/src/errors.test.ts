import { fileURLToPath } from 'node:url';
import { checkDocumentedCodes } from '@tidewater/errors';
import { describe, expect, it } from 'vitest';
import { devKafkaErrors } from './errors.js';

describe('dev-kafka error catalogue', () => {
  it('is documented in the README, code for code', () => {
    const readme = fileURLToPath(new URL('../README.md', import.meta.url));
    expect(checkDocumentedCodes(devKafkaErrors.catalogue, devKafkaErrors.prefix, readme)).toEqual({ missing: [], stale: [] });
  });
});
