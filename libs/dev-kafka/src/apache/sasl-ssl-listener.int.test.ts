import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createConsumerRunner,
  createDeadLetterWriter,
  createKafkaClient,
  createProducer,
  kafkaClientFromEnv,
  kafkaErrors,
  type KafkaSaslMechanism,
  type KafkaSecuritySettings,
} from '@tidewater/kafka';
import { addScramUser } from './scram-users.js';
import { startApacheKafka, type ApacheKafka } from './start-apache-kafka.js';
import { generateTestCertificates, type TestCertificates } from './test-certificates.js';

// Issue 17: a broker of this file's own with a SASL_SSL listener that also requires a client
// certificate, PLAIN users from its JAAS config and SCRAM users created through the admin API.
const dir = mkdtempSync(join(tmpdir(), 'tw-sasl-ssl-'));
const users: Record<KafkaSaslMechanism, { username: string; password: string }> = {
  plain: { username: 'plain-user', password: 'plain-secret-1' },
  'scram-sha-256': { username: 'scram256-user', password: 'scram256-secret-2' },
  'scram-sha-512': { username: 'scram512-user', password: 'scram512-secret-3' },
};
const logger = pino({ level: 'silent' });
let kafka: ApacheKafka;
let certs: TestCertificates;
let secured: string[];

function passwordFile(name: string, password: string): string {
  const file = join(dir, `${name}.password`);
  writeFileSync(file, `${password}\n`);
  return file;
}

function security(mechanism: KafkaSaslMechanism, password = users[mechanism].password): KafkaSecuritySettings {
  return {
    tls: { caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile },
    sasl: { mechanism, username: users[mechanism].username, passwordFile: passwordFile(`${mechanism}-${password}`, password) },
  };
}

beforeAll(async () => {
  certs = await generateTestCertificates(join(dir, 'certs'));
  kafka = await startApacheKafka({
    dir: join(dir, 'kafka'),
    topics: [{ name: 'secured', partitions: 1 }],
    // A shared 2-core machine under load takes minutes, not seconds, to start a broker.
    startTimeoutMs: 180_000,
    saslSsl: {
      certFile: certs.serverCertFile,
      keyFile: certs.serverKeyFile,
      caFile: certs.caFile,
      requireClientCertificate: true,
      plainUsers: { [users.plain.username]: users.plain.password },
    },
  });
  secured = kafka.saslSslBootstrapServers ?? [];
  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    const user = users[mechanism.toLowerCase() as KafkaSaslMechanism];
    await addScramUser({ classpath: kafka.classpath, bootstrapServer: kafka.bootstrapServers[0]!, mechanism, ...user });
  }
}, 360_000);

afterAll(async () => {
  await kafka?.stop(5000);
});

describe('a SASL_SSL listener with our clients (issue 17)', () => {
  it.each(['plain', 'scram-sha-256', 'scram-sha-512'] as const)(
    'produces, consumes through the consumer runner and administers with %s over mutual TLS',
    { timeout: 90_000 },
    async (mechanism) => {
      const client = createKafkaClient({ brokers: secured, clientId: `sasl-${mechanism}`, security: security(mechanism) });
      const admin = client.admin();
      await admin.connect();
      expect(await admin.listTopics()).toContain('secured');
      await admin.disconnect();

      const producer = createProducer({ kafka: client });
      await producer.start();
      const marker = `${mechanism}-${Date.now()}`;
      await producer.send('secured', [{ key: marker, value: Buffer.from(marker) }]);

      const registry = new Registry();
      let resolveSeen: () => void = () => undefined;
      const seen = new Promise<void>((resolve) => (resolveSeen = resolve));
      const runner = createConsumerRunner<string>({
        kafka: client,
        groupId: `sasl-${mechanism}`,
        topics: ['secured'],
        logger,
        registry,
        decode: (m) => m.value?.toString() ?? '',
        handle: async (records) => {
          if (records.some((r) => r.value === marker)) resolveSeen();
        },
        deadLetters: createDeadLetterWriter({ producer, topic: 'secured', service: 'sasl-test', registry }),
        lagProbeIntervalMs: 0,
      });
      await runner.start();
      try {
        await seen;
      } finally {
        await runner.close();
        await producer.close();
      }
    },
  );

  it('fails at once on a wrong password, with TW_KAFKA_AUTH_FAILED naming the mechanism and the broker', { timeout: 60_000 }, async () => {
    for (const mechanism of ['plain', 'scram-sha-512'] as const) {
      const client = createKafkaClient({ brokers: secured, clientId: 'sasl-wrong', security: security(mechanism, 'not-the-password') });
      const err: unknown = await createProducer({ kafka: client })
        .start()
        .catch((e: unknown) => e);
      expect(kafkaErrors.is(err, 'TW_KAFKA_AUTH_FAILED')).toBe(true);
      const e = err as Error & { retriable: boolean; cause: Error };
      expect(e.retriable).toBe(false);
      expect(e.message).toContain(mechanism.toUpperCase());
      expect(e.message).toContain(secured[0]);
      expect(e.message).not.toContain('not-the-password');
      // The broker's refusal itself, not the library's "retries exceeded" after a loop of attempts.
      if (kafkaClientFromEnv() === 'platformatic') expect(e.cause).toMatchObject({ code: 'PLT_KFK_AUTHENTICATION' });
      else expect(e.cause.name).toBe('KafkaJSSASLAuthenticationError');
    }
  });

  it('refuses PLAINTEXT clients, and TLS clients without SASL, on the SASL_SSL listener', { timeout: 60_000 }, async () => {
    const settings: (KafkaSecuritySettings | undefined)[] = [
      undefined,
      { tls: { caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile } },
    ];
    for (const s of settings) {
      const client = createKafkaClient({
        brokers: secured,
        clientId: 'sasl-none',
        security: s,
        retry: { retries: 0 },
        connectionTimeout: 3000,
      });
      const admin = client.admin();
      await expect(admin.connect().then(() => admin.listTopics())).rejects.toThrow();
      await admin.disconnect();
    }
  });
});
