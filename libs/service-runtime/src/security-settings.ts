import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import type { ClientConfig } from '@confluentinc/schemaregistry';
import type { RedisOptions } from 'ioredis';
import type { KafkaSecuritySettings } from '@tidewater/kafka';
import { runtimeErrors } from './errors.js';

/** The security settings of the environment (`kafkaSecurityEnv`, `schemaRegistrySecurityEnv`, `redisSecurityEnv`), all optional. */
export interface SecurityConfig {
  readonly KAFKA_TLS?: boolean | undefined;
  readonly KAFKA_TLS_CA_FILE?: string | undefined;
  readonly KAFKA_TLS_CERT_FILE?: string | undefined;
  readonly KAFKA_TLS_KEY_FILE?: string | undefined;
  readonly KAFKA_TLS_KEY_PASSWORD_FILE?: string | undefined;
  readonly KAFKA_SASL_MECHANISM?: 'plain' | 'scram-sha-256' | 'scram-sha-512' | undefined;
  readonly KAFKA_SASL_USERNAME?: string | undefined;
  readonly KAFKA_SASL_PASSWORD_FILE?: string | undefined;
  readonly SCHEMA_REGISTRY_USERNAME?: string | undefined;
  readonly SCHEMA_REGISTRY_PASSWORD_FILE?: string | undefined;
  readonly SCHEMA_REGISTRY_TLS_CA_FILE?: string | undefined;
  readonly REDIS_USERNAME?: string | undefined;
  readonly REDIS_PASSWORD_FILE?: string | undefined;
  readonly REDIS_TLS_CA_FILE?: string | undefined;
}

/** The Kafka client's `security` from the environment; undefined means PLAINTEXT. */
export function kafkaSecurityOf(c: SecurityConfig): KafkaSecuritySettings | undefined {
  const files = {
    caFile: c.KAFKA_TLS_CA_FILE,
    certFile: c.KAFKA_TLS_CERT_FILE,
    keyFile: c.KAFKA_TLS_KEY_FILE,
    keyPasswordFile: c.KAFKA_TLS_KEY_PASSWORD_FILE,
  };
  const tls = c.KAFKA_TLS || Object.values(files).some(Boolean) ? stripUndefined(files) : undefined;
  const sasl =
    c.KAFKA_SASL_MECHANISM && c.KAFKA_SASL_USERNAME && c.KAFKA_SASL_PASSWORD_FILE
      ? { mechanism: c.KAFKA_SASL_MECHANISM, username: c.KAFKA_SASL_USERNAME, passwordFile: c.KAFKA_SASL_PASSWORD_FILE }
      : undefined;
  return tls || sasl ? { ...(tls ? { tls } : {}), ...(sasl ? { sasl } : {}) } : undefined;
}

/** The registry client's configuration: basic auth from the password file, the CA for https. */
export function schemaRegistryClientConfig(url: string, c: SecurityConfig): ClientConfig {
  const user = c.SCHEMA_REGISTRY_USERNAME;
  const passwordFile = c.SCHEMA_REGISTRY_PASSWORD_FILE;
  return {
    baseURLs: [url],
    ...(user && passwordFile
      ? {
          basicAuthCredentials: {
            credentialsSource: 'USER_INFO',
            userInfo: `${user}:${readSecret('schema registry password', passwordFile)}`,
          },
        }
      : {}),
    ...(c.SCHEMA_REGISTRY_TLS_CA_FILE
      ? { createAxiosDefaults: { httpsAgent: new Agent({ ca: readSecret('schema registry TLS CA', c.SCHEMA_REGISTRY_TLS_CA_FILE) }) } }
      : {}),
  };
}

/** ioredis options for AUTH and TLS; TLS itself follows the URL's scheme (rediss://). */
export function redisSecurityOptions(c: SecurityConfig): Pick<RedisOptions, 'username' | 'password' | 'tls'> {
  return {
    ...(c.REDIS_USERNAME ? { username: c.REDIS_USERNAME } : {}),
    ...(c.REDIS_PASSWORD_FILE ? { password: readSecret('Redis password', c.REDIS_PASSWORD_FILE) } : {}),
    ...(c.REDIS_TLS_CA_FILE ? { tls: { ca: readSecret('Redis TLS CA', c.REDIS_TLS_CA_FILE) } } : {}),
  };
}

/** A file's text without the one trailing newline a Secret or `echo` leaves; errors name the file, never its content. */
function readSecret(what: string, file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (cause) {
    throw runtimeErrors.create('TW_RUNTIME_SECRET_UNREADABLE', `cannot read the ${what} file ${file}`, { cause, details: { file } });
  }
  if (!text) throw runtimeErrors.create('TW_RUNTIME_SECRET_UNREADABLE', `the ${what} file ${file} is empty`, { details: { file } });
  return text;
}

function stripUndefined<T extends Record<string, string | undefined>>(o: T): Partial<Record<keyof T, string>> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<Record<keyof T, string>>;
}
