import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiAuth } from './api-tokens.js';
import type { HttpErrorCode } from './errors.js';

export type BearerCheck = 'ok' | 'missing' | 'invalid';

// SHA-256 digests always have the same length: timingSafeEqual needs equal lengths, and comparing
// lengths first would tell a caller how long a token is.
const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Checks an Authorization header against the tokens in constant time: every token is compared, with no
 * early exit, so the answer's timing tells nothing about which token (or how much of one) matched.
 */
export function bearerVerifier(tokens: readonly string[]): (authorization: string | undefined) => BearerCheck {
  const expected = tokens.map(digest);
  return (authorization) => {
    // The scheme is case-insensitive (RFC 9110 §11.1); the token is RFC 6750's b64token.
    const match = /^bearer +(\S+) *$/i.exec(authorization ?? '');
    if (!match) return 'missing';
    const presented = digest(match[1]!);
    let ok = false;
    for (const e of expected) ok = timingSafeEqual(presented, e) || ok;
    return ok ? 'ok' : 'invalid';
  };
}

/** An API's area of the server and who may call it; the first matching prefix wins. */
export interface AuthScope {
  readonly prefix: string;
  readonly auth: ApiAuth;
}

function send(reply: FastifyReply, realm: string, code: HttpErrorCode, message: string, invalid: boolean): FastifyReply {
  // RFC 6750 §3: a 401 names the scheme; a token that does not fit gets error="invalid_token".
  const challenge = invalid ? `Bearer realm="${realm}", error="invalid_token"` : `Bearer realm="${realm}"`;
  return reply.code(401).header('www-authenticate', challenge).send({ statusCode: 401, error: 'Unauthorized', code, message });
}

/**
 * An onRequest hook: each request is checked against the scope its path falls in; a path no scope
 * covers (an unknown route) needs a token of any scope, so unauthenticated callers learn nothing from
 * 404 or 405 answers. Open scopes are not checked.
 */
export function bearerAuthHook(
  scopes: readonly AuthScope[],
  realm: string,
): (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  const checks = scopes.map((s) => ({ prefix: s.prefix, verify: s.auth.mode === 'open' ? undefined : bearerVerifier(s.auth.tokens) }));
  const allTokens = scopes.flatMap((s) => (s.auth.mode === 'bearer' ? s.auth.tokens : []));
  const anyOpen = scopes.some((s) => s.auth.mode === 'open');
  const fallback = anyOpen || allTokens.length === 0 ? undefined : bearerVerifier(allTokens);
  return async (req, reply) => {
    const scope = checks.find((c) => req.url.startsWith(c.prefix));
    const verify = scope ? scope.verify : fallback;
    if (verify === undefined) return undefined;
    const result = verify(req.headers.authorization);
    if (result === 'ok') return undefined;
    if (result === 'missing') return send(reply, realm, 'TW_HTTP_UNAUTHORIZED', 'this API needs Authorization: Bearer <token>', false);
    return send(reply, realm, 'TW_HTTP_TOKEN_INVALID', 'the bearer token is not accepted here', true);
  };
}
