import { defineErrors } from '@tidewater/errors';

/** Error codes of the service runtime (connections every service shares). */
export const runtimeErrors = defineErrors('TW_RUNTIME_', {
  TW_RUNTIME_SECRET_UNREADABLE: {
    retriable: false,
    description:
      'A password or CA file named by the schema registry or Redis settings cannot be read or is empty; the message names the file.',
  },
  TW_RUNTIME_REDIS_TLS_FAILED: {
    retriable: false,
    description:
      "Redis's TLS certificate does not verify (unknown CA, wrong name, expired); the message names the server. Check REDIS_TLS_CA_FILE.",
  },
  TW_RUNTIME_REDIS_AUTH_FAILED: {
    retriable: false,
    description:
      'Redis refused AUTH (wrong REDIS_USERNAME or REDIS_PASSWORD_FILE, or a password where none is set); the message names the server.',
  },
});

export type RuntimeErrorCode = keyof typeof runtimeErrors.catalogue;
