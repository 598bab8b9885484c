import { defineErrors } from '@tidewater/errors';

export const stackErrors = defineErrors('TW_STACK_', {
  TW_STACK_START_FAILED: {
    retriable: false,
    description: 'A part of the dev stack did not start; the message names it and the log file to read.',
  },
  TW_STACK_NOT_READY: { retriable: true, description: 'A part of the dev stack did not become ready in time; its log file says why.' },
  TW_STACK_ALREADY_UP: {
    retriable: false,
    description: 'A stack is already running in this directory; run `npm run stack -- down` first or use it as it is.',
  },
  TW_STACK_NOT_UP: { retriable: false, description: 'No stack is running in this directory; run `npm run stack -- up`.' },
});
