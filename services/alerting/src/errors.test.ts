import { describe, expect, it } from 'vitest';
import { checkDocumentedCodes } from '@tidewater/errors';
import { alertingErrors } from './errors.js';

describe('TW_ALERT_ error codes', () => {
  it('are all documented in the service README, and the README names no stale one', () => {
    const readme = new URL('../README.md', import.meta.url).pathname;
    expect(checkDocumentedCodes(alertingErrors.catalogue, alertingErrors.prefix, readme)).toEqual({ missing: [], stale: [] });
  });
});
