import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthenticationError, MultipleErrors, NetworkError } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { kafkaErrors } from './errors.js';
import { connectNamingAuthFailures, kafkajsSecurityOptions } from './kafkajs/security.js';
import { namingAuthFailure } from './platformatic/security.js';
import { describeKafkaSecurity, readKafkaSecurity, type KafkaSecuritySettings } from './security.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-kafka-security-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('Kafka security settings', () => {
  const settings: KafkaSecuritySettings = {
    tls: { caFile: file('ca.pem', 'CA PEM\n'), certFile: file('cert.pem', 'CERT'), keyFile: file('key.pem', 'KEY') },
    sasl: { mechanism: 'scram-sha-512', username: 'svc', passwordFile: file('password', 's3cret\n') },
  };

  it('reads the files once into kafkajs ssl and sasl options, dropping a secret file’s trailing newline', () => {
    expect(kafkajsSecurityOptions(readKafkaSecurity(settings))).toEqual({
      ssl: { ca: ['CA PEM\n'], cert: 'CERT', key: 'KEY' },
      sasl: { mechanism: 'scram-sha-512', username: 'svc', password: 's3cret' },
    });
    expect(kafkajsSecurityOptions(readKafkaSecurity(undefined))).toEqual({});
    expect(kafkajsSecurityOptions(readKafkaSecurity({ tls: {} }))).toEqual({ ssl: {} });
  });

  it('names an unreadable or empty file, never a secret', () => {
    const missing = () => readKafkaSecurity({ sasl: { mechanism: 'plain', username: 'u', passwordFile: join(dir, 'nope') } });
    expect(missing).toThrow(expect.objectContaining({ code: 'TW_KAFKA_SECURITY_FILE_UNREADABLE', retriable: false }));
    expect(missing).toThrow(/SASL password file .*nope/);
    const empty = file('empty', '\n');
    expect(() => readKafkaSecurity({ sasl: { mechanism: 'plain', username: 'u', passwordFile: empty } })).toThrow(/is empty/);
  });

  it('describes the protocol for logs without secrets', () => {
    expect(describeKafkaSecurity(settings)).toEqual({ protocol: 'SASL_SSL', mechanism: 'SCRAM-SHA-512', username: 'svc' });
    expect(describeKafkaSecurity({ tls: {} })).toEqual({ protocol: 'SSL' });
    expect(describeKafkaSecurity(undefined)).toEqual({ protocol: 'PLAINTEXT' });
  });

  it('turns a refused SASL handshake into TW_KAFKA_AUTH_FAILED naming mechanism, user and broker', async () => {
    const refused = Object.assign(new Error('SASL SCRAM SHA512 authentication failed: invalid credentials'), {
      name: 'KafkaJSSASLAuthenticationError',
    });
    const err: unknown = await connectNamingAuthFailures(() => Promise.reject(refused), settings, ['broker-1:9093']).catch(
      (e: unknown) => e,
    );
    expect(kafkaErrors.is(err, 'TW_KAFKA_AUTH_FAILED')).toBe(true);
    const e = err as Error & { retriable: boolean; cause: unknown };
    expect(e.retriable).toBe(false);
    expect(e.cause).toBe(refused);
    expect(e.message).toContain('SCRAM-SHA-512');
    expect(e.message).toContain('broker-1:9093');
    expect(e.message).toContain('"svc"');
    expect(e.message).not.toContain('s3cret');
    const other = new Error('connection refused');
    await expect(connectNamingAuthFailures(() => Promise.reject(other), settings, ['b:1'])).rejects.toBe(other);
  });

  it("turns @platformatic/kafka's AuthenticationError, however wrapped, into TW_KAFKA_AUTH_FAILED", () => {
    const refused = new AuthenticationError('SASL authentication failed.');
    // As the library rejects: the refusal is the cause of a connection's NetworkError, per broker and attempt.
    const wrapped = new MultipleErrors('initProducerId failed 1 times.', [
      new MultipleErrors('Cannot connect to any broker.', [new NetworkError('Connection to broker-1:9093 failed.', { cause: refused })]),
    ]);
    const err = namingAuthFailure(wrapped, { clientId: 'c', brokers: ['broker-1:9093'], security: settings });
    expect(kafkaErrors.is(err, 'TW_KAFKA_AUTH_FAILED')).toBe(true);
    const e = err as Error & { retriable: boolean; cause: unknown };
    expect(e.retriable).toBe(false);
    expect(e.cause).toBe(refused);
    expect(e.message).toContain('SCRAM-SHA-512');
    expect(e.message).toContain('broker-1:9093');
    expect(e.message).not.toContain('s3cret');
    const down = new MultipleErrors('Cannot connect to any broker.', [new NetworkError('Connection refused')]);
    expect(namingAuthFailure(down, { clientId: 'c', brokers: ['b:1'], security: settings })).toBe(down);
  });
});
