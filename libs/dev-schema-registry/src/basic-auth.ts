import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/** One user and password the dev registry accepts with HTTP basic auth, as a secured Confluent registry would. */
export interface RegistryBasicAuth {
  readonly username: string;
  readonly password: string;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Answers 401 (Confluent's `{error_code, message}` and a `WWW-Authenticate` challenge) to any
 * request without the right `Authorization: Basic` header; compared in constant time.
 */
export function requireBasicAuth(app: FastifyInstance, auth: RegistryBasicAuth, contentType: string): void {
  const expected = digest(`Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`);
  app.addHook('onRequest', async (request, reply) => {
    const given = request.headers.authorization;
    if (given !== undefined && timingSafeEqual(digest(given), expected)) return;
    await reply
      .code(401)
      .type(contentType)
      .header('www-authenticate', 'Basic realm="schema-registry"')
      .send({ error_code: 401, message: 'Unauthorized' });
  });
}
