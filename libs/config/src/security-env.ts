import { accessSync, constants, statSync } from 'node:fs';
import { z } from 'zod';

/** A path to a file this process can read (a PEM, a password file); its content is read later, by the client. */
export const readableFile = () =>
  z.string().superRefine((path, ctx) => {
    try {
      accessSync(path, constants.R_OK);
      if (!statSync(path).isFile()) ctx.addIssue({ code: 'custom', message: `${path} is not a file` });
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
    }
  });

// Not boolFromEnv: env-fields.ts spreads these fields into commonServiceEnv, so importing it back would be a cycle.

/** PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, in any case. */
const saslMechanism = () =>
  z
    .string()
    .transform((s) => s.trim().toLowerCase())
    .pipe(z.enum(['plain', 'scram-sha-256', 'scram-sha-512'], 'must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512'));

/**
 * Kafka TLS and SASL (issue 17). Secrets are named by file (a mounted Secret), never given inline,
 * so the frozen config holds paths only and cannot leak a password into a log line.
 */
export const kafkaSecurityEnv = {
  /** TLS to the brokers, verified against the system CAs unless KAFKA_TLS_CA_FILE is set; any KAFKA_TLS_*_FILE turns it on too. */
  KAFKA_TLS: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .transform((s) => s === 'true' || s === '1' || s === 'yes')
    .default(false),
  KAFKA_TLS_CA_FILE: readableFile().optional(),
  KAFKA_TLS_CERT_FILE: readableFile().optional(),
  KAFKA_TLS_KEY_FILE: readableFile().optional(),
  KAFKA_TLS_KEY_PASSWORD_FILE: readableFile().optional(),
  KAFKA_SASL_MECHANISM: saslMechanism().optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD_FILE: readableFile().optional(),
};

/** Schema registry basic auth and TLS CA. */
export const schemaRegistrySecurityEnv = {
  SCHEMA_REGISTRY_USERNAME: z.string().min(1).optional(),
  SCHEMA_REGISTRY_PASSWORD_FILE: readableFile().optional(),
  /** CA that signed the registry's certificate (an https:// SCHEMA_REGISTRY_URL); the system CAs otherwise. */
  SCHEMA_REGISTRY_TLS_CA_FILE: readableFile().optional(),
};

/** Redis AUTH (with an ACL user or the default one) and the CA of a rediss:// server. */
export const redisSecurityEnv = {
  REDIS_USERNAME: z.string().min(1).optional(),
  REDIS_PASSWORD_FILE: readableFile().optional(),
  REDIS_TLS_CA_FILE: readableFile().optional(),
};

type Raw = Readonly<Record<string, unknown>>;

/** The problems between security fields (a key without its certificate, a user without a password, ...). */
export function securityEnvProblems(c: Raw): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (typeof c !== 'object' || c === null) return problems; // the schema reports a non-object input itself
  const has = (key: string) => c[key] !== undefined;
  const need = (key: string, other: string, why: string) => {
    if (has(key) && !has(other)) problems.push({ path: other, message: `required with ${key} (${why})` });
  };
  need('KAFKA_TLS_CERT_FILE', 'KAFKA_TLS_KEY_FILE', 'a client certificate needs its key');
  need('KAFKA_TLS_KEY_FILE', 'KAFKA_TLS_CERT_FILE', 'a client key needs its certificate');
  need('KAFKA_TLS_KEY_PASSWORD_FILE', 'KAFKA_TLS_KEY_FILE', 'the password is for that key');
  need('KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'SASL authenticates a user');
  need('KAFKA_SASL_MECHANISM', 'KAFKA_SASL_PASSWORD_FILE', 'SASL authenticates with a password');
  need('KAFKA_SASL_USERNAME', 'KAFKA_SASL_MECHANISM', 'which SASL mechanism to use');
  need('KAFKA_SASL_PASSWORD_FILE', 'KAFKA_SASL_MECHANISM', 'which SASL mechanism to use');
  need('SCHEMA_REGISTRY_USERNAME', 'SCHEMA_REGISTRY_PASSWORD_FILE', 'basic auth needs a password');
  need('SCHEMA_REGISTRY_PASSWORD_FILE', 'SCHEMA_REGISTRY_USERNAME', 'basic auth needs a user');
  if (has('SCHEMA_REGISTRY_TLS_CA_FILE') && !String(c['SCHEMA_REGISTRY_URL'] ?? '').startsWith('https://'))
    problems.push({ path: 'SCHEMA_REGISTRY_TLS_CA_FILE', message: 'needs an https:// SCHEMA_REGISTRY_URL' });
  need('REDIS_USERNAME', 'REDIS_PASSWORD_FILE', 'an ACL user authenticates with a password');
  if (has('REDIS_TLS_CA_FILE') && !String(c['REDIS_URL'] ?? '').startsWith('rediss://'))
    problems.push({ path: 'REDIS_TLS_CA_FILE', message: 'needs a rediss:// REDIS_URL' });
  return problems;
}

/**
 * Adds {@link securityEnvProblems} to a service schema's issues. It runs even when other fields
 * failed, so one boot lists every problem: `schema.superRefine(...checkSecurityEnv)`.
 */
export const checkSecurityEnv = [
  (c: Raw, ctx: z.RefinementCtx) => {
    for (const p of securityEnvProblems(c)) ctx.addIssue({ code: 'custom', path: [p.path], message: p.message });
  },
  { when: () => true },
] as const;
