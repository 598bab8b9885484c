import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addScramUser, generateTestCertificates, startApacheKafka, type ApacheKafka } from '@tidewater/dev-kafka';
import { startSchemaRegistry, type RunningSchemaRegistry } from '@tidewater/dev-schema-registry';
import { freePort } from '@tidewater/dev-stack';
import { createKafkaClient, createProducer, type KafkaSecuritySettings } from '@tidewater/kafka';
import { runService, uniqueName, waitFor, type RunningService } from '@tidewater/test-support';

// Issue 17: ingestion, run as the image runs it, on Kafka's SASL_SSL listener (SCRAM-SHA-512 over
// mutual TLS), a Redis with requirepass and a schema registry with basic auth, every secret from a
// file; a wrong Kafka or Redis password, or a missing secret file, stops the boot with a clear error.
const password = { kafka: 'kafka-scram-secret-4', redis: 'redis-secret-5', registry: 'registry-secret-6' };

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('ingestion on secured Kafka, Redis and schema registry', () => {
  const prefix = uniqueName('secured');
  const topics = { raw: `${prefix}.events.raw`, valid: `${prefix}.events.valid`, dlq: `${prefix}.events.dlq` };
  let dir: string;
  let kafka: ApacheKafka;
  let redis: ChildProcess;
  let registry: RunningSchemaRegistry;
  let env: Record<string, string>;
  let security: KafkaSecuritySettings;
  let service: RunningService | undefined;
  const secret = async (name: string, text: string) => {
    const file = join(dir, name);
    await writeFile(file, `${text}\n`);
    return file;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tw-secured-'));
    const certs = await generateTestCertificates(join(dir, 'certs'));
    kafka = await startApacheKafka({
      dir: join(dir, 'kafka'),
      topics: Object.values(topics).map((name) => ({ name, partitions: 1 })),
      // A shared 2-core machine under load takes minutes, not seconds, to start a broker.
      startTimeoutMs: 180_000,
      saslSsl: { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, caFile: certs.caFile, requireClientCertificate: true },
    });
    await addScramUser({
      classpath: kafka.classpath,
      bootstrapServer: kafka.bootstrapServers[0]!,
      mechanism: 'SCRAM-SHA-512',
      username: 'ingestion',
      password: password.kafka,
    });
    // A fresh broker creates and loads __consumer_offsets on the first group join, which on a loaded
    // machine outlasts the service's readiness deadline: one throw-away group joins first.
    const warmUp = createKafkaClient({
      brokers: kafka.bootstrapServers,
      clientId: 'secured-warm-up',
    }).consumer({ groupId: `${prefix}-warm-up` });
    await warmUp.connect();
    await warmUp.subscribe({ topics: [topics.dlq] });
    await warmUp.run({ autoCommit: false, eachMessage: async () => undefined });
    await warmUp.joined();
    await warmUp.disconnect();
    const redisPort = await freePort();
    redis = spawn(
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', password.redis],
      {
        stdio: 'ignore',
      },
    );
    await waitFor(() => canConnect(redisPort), { timeoutMs: 10_000, what: `redis-server on ${redisPort}` });
    registry = await startSchemaRegistry({ basicAuth: { username: 'ingestion', password: password.registry } });
    const tls = { KAFKA_TLS_CA_FILE: certs.caFile, KAFKA_TLS_CERT_FILE: certs.clientCertFile, KAFKA_TLS_KEY_FILE: certs.clientKeyFile };
    security = {
      tls: { caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile },
      sasl: { mechanism: 'scram-sha-512', username: 'ingestion', passwordFile: await secret('kafka-password', password.kafka) },
    };
    env = {
      TIDEWATER_ENV_FILE: '',
      KAFKA_BROKERS: (kafka.saslSslBootstrapServers ?? []).join(','),
      ...tls,
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'ingestion',
      KAFKA_SASL_PASSWORD_FILE: security.sasl!.passwordFile,
      SCHEMA_REGISTRY_URL: registry.url,
      SCHEMA_REGISTRY_USERNAME: 'ingestion',
      SCHEMA_REGISTRY_PASSWORD_FILE: await secret('registry-password', password.registry),
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      REDIS_PASSWORD_FILE: await secret('redis-password', password.redis),
      REDIS_KEY_PREFIX: `${prefix}:`,
      TOPIC_EVENTS_RAW: topics.raw,
      TOPIC_EVENTS_VALID: topics.valid,
      TOPIC_EVENTS_DLQ: topics.dlq,
      CONSUMER_GROUP: `${prefix}-ingestion`,
      SHUTDOWN_TIMEOUT_MS: '10000',
    };
  }, 420_000);

  afterAll(async () => {
    await service?.stop();
    redis?.kill('SIGKILL');
    await registry?.close();
    await kafka?.stop(5000);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Runs ingestion expecting its boot to fail; resolves with its log. */
  async function failedBoot(overrides: Record<string, string>): Promise<string> {
    const err: unknown = await runService('ingestion', { ...env, ...overrides }).then(
      async (s) => {
        await s.stop();
        throw new Error('ingestion started');
      },
      (e: unknown) => e,
    );
    const logFile = /see (\S+)$/.exec((err as Error).message)?.[1];
    expect(logFile, String(err)).toBeDefined();
    return readFile(logFile!, 'utf8');
  }

  it('is ready and moves an event from events.raw to events.valid with every connection secured', { timeout: 180_000 }, async () => {
    service = await runService('ingestion', env);
    const client = createKafkaClient({ brokers: kafka.saslSslBootstrapServers ?? [], clientId: 'secured-test', security });
    const producer = createProducer({ kafka: client });
    await producer.start();
    const event = {
      event_id: `e-${prefix}`,
      occurred_at: new Date(Date.now() - 60_000).toISOString(),
      card_id: 'card-1',
      amount: 10,
      currency: 'EUR',
      merchant_id: 'm-1',
      merchant_category: '5411',
      country: 'DE',
      channel: 'pos',
    };
    await producer.send(topics.raw, [{ key: 'card-1', value: Buffer.from(JSON.stringify(event)) }]);
    const admin = client.admin();
    await admin.connect();
    try {
      await waitFor(async () => (await admin.fetchTopicOffsets(topics.valid)).some((p) => Number(p.high) > 0), {
        timeoutMs: 60_000,
        what: 'the event on events.valid',
      });
    } finally {
      await admin.disconnect();
      await producer.close();
    }
    expect(await service.stop()).toBe(0);
    service = undefined;
  });

  it('stops at boot with TW_KAFKA_AUTH_FAILED on a wrong Kafka password, naming mechanism and broker', { timeout: 120_000 }, async () => {
    const log = await failedBoot({ KAFKA_SASL_PASSWORD_FILE: await secret('wrong-kafka', 'wrong-kafka-password') });
    expect(log).toContain('TW_KAFKA_AUTH_FAILED');
    expect(log).toContain('SCRAM-SHA-512 authentication failed for user \\"ingestion\\"');
    expect(log).toContain(kafka.saslSslBootstrapServers![0]);
    expect(log).not.toContain('wrong-kafka-password');
  });

  it('stops at boot with TW_RUNTIME_REDIS_AUTH_FAILED on a wrong Redis password', { timeout: 120_000 }, async () => {
    const log = await failedBoot({ REDIS_PASSWORD_FILE: await secret('wrong-redis', 'wrong-redis-password') });
    expect(log).toContain('TW_RUNTIME_REDIS_AUTH_FAILED');
    expect(log).toContain(env['REDIS_URL']!.slice('redis://'.length));
    expect(log).not.toContain('wrong-redis-password');
  });

  it('lists every missing secret file and unpaired setting at once with TW_CONFIG_INVALID', { timeout: 120_000 }, async () => {
    const log = await failedBoot({
      KAFKA_SASL_PASSWORD_FILE: join(dir, 'no-such-file'),
      SCHEMA_REGISTRY_PASSWORD_FILE: '',
      KAFKA_TLS_KEY_FILE: '',
    });
    expect(log).toContain('TW_CONFIG_INVALID');
    expect(log).toContain(`KAFKA_SASL_PASSWORD_FILE: cannot read ${join(dir, 'no-such-file')} (ENOENT)`);
    expect(log).toContain('SCHEMA_REGISTRY_PASSWORD_FILE: required with SCHEMA_REGISTRY_USERNAME');
    expect(log).toContain('KAFKA_TLS_KEY_FILE: required with KAFKA_TLS_CERT_FILE');
  });
});
