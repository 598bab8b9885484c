import { readFileSync } from 'node:fs';
import { kafkaErrors } from './errors.js';

/** SASL mechanisms we support; OAUTHBEARER and GSSAPI are not wired. */
export type KafkaSaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

/** TLS to the brokers. Every file is PEM; without `caFile` the system's CAs verify the brokers. */
export interface KafkaTlsSettings {
  readonly caFile?: string | undefined;
  /** Client certificate for mutual TLS (with `keyFile`). */
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
  /** Passphrase of an encrypted `keyFile`. */
  readonly keyPasswordFile?: string | undefined;
}

/** SASL authentication; the password is read from a file and never logged. */
export interface KafkaSaslSettings {
  readonly mechanism: KafkaSaslMechanism;
  readonly username: string;
  readonly passwordFile: string;
}

/**
 * How a client secures its broker connections: plain data naming files, the same for every client
 * library behind `KafkaClient` (each maps the material {@link readKafkaSecurity} returns).
 * No `tls` and no `sasl`: PLAINTEXT.
 */
export interface KafkaSecuritySettings {
  readonly tls?: KafkaTlsSettings | undefined;
  readonly sasl?: KafkaSaslSettings | undefined;
}

/** The file contents behind {@link KafkaSecuritySettings}, read once when a client is created. */
export interface KafkaSecurityMaterial {
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string; readonly passphrase?: string };
  readonly sasl?: { readonly mechanism: KafkaSaslMechanism; readonly username: string; readonly password: string };
}

/** A secret or PEM file's text; a secret file's one trailing newline (as `echo` and Secrets leave it) is dropped. */
function readSecurityFile(what: string, file: string, secret: boolean): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw kafkaErrors.create('TW_KAFKA_SECURITY_FILE_UNREADABLE', `cannot read the Kafka ${what} file ${file}`, {
      cause,
      details: { file },
    });
  }
  if (secret) text = text.replace(/\r?\n$/, '');
  if (text.length === 0) {
    throw kafkaErrors.create('TW_KAFKA_SECURITY_FILE_UNREADABLE', `the Kafka ${what} file ${file} is empty`, { details: { file } });
  }
  return text;
}

/** Reads the files the settings name; fails with TW_KAFKA_SECURITY_FILE_UNREADABLE naming the file (never its content). */
export function readKafkaSecurity(settings: KafkaSecuritySettings | undefined): KafkaSecurityMaterial {
  const { tls, sasl } = settings ?? {};
  return {
    ...(tls
      ? {
          tls: {
            ...(tls.caFile ? { ca: readSecurityFile('TLS CA', tls.caFile, false) } : {}),
            ...(tls.certFile ? { cert: readSecurityFile('TLS certificate', tls.certFile, false) } : {}),
            ...(tls.keyFile ? { key: readSecurityFile('TLS key', tls.keyFile, false) } : {}),
            ...(tls.keyPasswordFile ? { passphrase: readSecurityFile('TLS key password', tls.keyPasswordFile, true) } : {}),
          },
        }
      : {}),
    ...(sasl
      ? {
          sasl: {
            mechanism: sasl.mechanism,
            username: sasl.username,
            password: readSecurityFile('SASL password', sasl.passwordFile, true),
          },
        }
      : {}),
  };
}

/** What a log line may say about the settings: protocol, mechanism and user, no file contents. */
export function describeKafkaSecurity(settings: KafkaSecuritySettings | undefined): {
  protocol: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
  mechanism?: string;
  username?: string;
} {
  const tls = Boolean(settings?.tls);
  const sasl = settings?.sasl;
  if (!sasl) return { protocol: tls ? 'SSL' : 'PLAINTEXT' };
  return { protocol: tls ? 'SASL_SSL' : 'SASL_PLAINTEXT', mechanism: sasl.mechanism.toUpperCase(), username: sasl.username };
}

/**
 * The error to raise for a broker refusing our credentials: TW_KAFKA_AUTH_FAILED (not retriable:
 * the same password fails again) naming the mechanism, the user and the brokers. `cause` stays the
 * library's error.
 */
export function kafkaAuthFailed(cause: unknown, settings: KafkaSecuritySettings | undefined, brokers: readonly string[]) {
  const { protocol, mechanism, username } = describeKafkaSecurity(settings);
  const reason = cause instanceof Error ? cause.message : String(cause);
  return kafkaErrors.create(
    'TW_KAFKA_AUTH_FAILED',
    `Kafka ${mechanism ?? 'SASL'} authentication failed for user ${JSON.stringify(username ?? '')} on broker ${brokers.join(',')} (${protocol}): ${reason}`,
    { cause, details: { protocol, mechanism, username, brokers: [...brokers] } },
  );
}
