import { defineErrors } from '@tidewater/errors';

/** Errors of reading a model directory's manifest.json; inference and drift-monitor both read it. */
export const manifestErrors = defineErrors('TW_MANIFEST_', {
  TW_MANIFEST_UNREADABLE: { retriable: false, description: 'manifest.json of a model directory is missing or cannot be read.' },
  TW_MANIFEST_INVALID: {
    retriable: false,
    description: 'manifest.json of a model directory is not valid JSON or fails the manifest schema; the message lists every problem.',
  },
});
