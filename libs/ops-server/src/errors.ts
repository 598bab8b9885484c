import { defineErrors } from '@tidewater/errors';

/** Codes of the HTTP servers' own answers and of their token configuration (docs/error-codes.md). */
export const httpErrors = defineErrors('TW_HTTP_', {
  TW_HTTP_TOKEN_REQUIRED: {
    retriable: false,
    description:
      'NODE_ENV=production and an authenticated API (inference admin and OIP, alerting silences) has no bearer token configured: set its token file (ADMIN_TOKEN_FILE) from a Secret.',
  },
  TW_HTTP_TOKEN_FILE_UNREADABLE: { retriable: false, description: 'The token file an API is configured with cannot be read.' },
  TW_HTTP_TOKEN_FILE_EMPTY: { retriable: false, description: 'The token file holds no token (only blank lines and # comments).' },
  TW_HTTP_TOKEN_TOO_SHORT: {
    retriable: false,
    description: 'A configured bearer token is shorter than 16 characters; generate one with `openssl rand -hex 32`.',
  },
  TW_HTTP_UNAUTHORIZED: {
    retriable: false,
    description: 'Answer 401: the request carries no `Authorization: Bearer <token>` header for an authenticated API.',
  },
  TW_HTTP_TOKEN_INVALID: { retriable: false, description: 'Answer 401: the bearer token the request carries is not one this API accepts.' },
});

export type HttpErrorCode = keyof typeof httpErrors.catalogue;
