import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { connectMockKafkaControl, startApacheKafka, startMockKafka } from '@tidewater/dev-kafka';
import { createKafkaClient } from '@tidewater/kafka';
import { loadTopicsManifest, repoRoot } from '@tidewater/schemas';
import { APICURIO_CCOMPAT_PATH, apicurioCommand, ensureApicurioDistribution, findJava } from '@tidewater/dev-schema-registry';
import { freePort, httpOk, isAlive, spawnDetached, spawnTypeScript, waitUntil } from './detached-process.js';
import { stackErrors } from './errors.js';
import { stackFiles, type KafkaKind, type StackState } from './stack-layout.js';

/**
 * Starts Kafka with every topic of deploy/topics.yaml: Apache Kafka in KRaft mode (one combined
 * node by default, data under `<dir>/kafka`, fresh on every start), or librdkafka's mock cluster.
 */
export async function startKafka(
  dir: string,
  kind: KafkaKind,
  brokers: number,
  log?: (line: string) => void,
  proxiedListener?: { port: number; advertisedPort: number },
): Promise<StackState['kafka']> {
  const topics = loadTopicsManifest().topics.map((t) => ({ name: t.name, partitions: t.partitions }));
  if (kind === 'mock') {
    const logFile = join(stackFiles(dir).logs, 'kafka.log');
    const kafka = await startMockKafka({ brokers, topics, detached: true, logFile });
    await kafka.control.close();
    return {
      kind,
      pids: [kafka.pid],
      bootstrapServers: kafka.bootstrapServers,
      controlPort: kafka.controlPort,
      logFiles: [logFile],
      version: 'mock',
    };
  }
  const kafka = await startApacheKafka({
    dir: stackFiles(dir).kafka,
    logDir: stackFiles(dir).logs,
    brokers,
    topics,
    ...(log ? { log } : {}),
    ...(proxiedListener ? { proxiedListener } : {}),
  });
  return {
    kind,
    pids: kafka.nodes.map((n) => n.pid),
    bootstrapServers: kafka.bootstrapServers,
    logFiles: kafka.nodes.map((n) => n.logFile),
    version: kafka.version,
  };
}

/** Starts the development schema registry, keeping its state (and so schema ids) in the stack directory. */
export async function startRegistry(dir: string): Promise<StackState['registry']> {
  if (process.env['TIDEWATER_SCHEMA_REGISTRY'] === 'apicurio') return startApicurioRegistry(dir);
  return spawnRegistry(dir, await freePort());
}

/** Starts the dev registry again on its port and state file after it stopped or was killed (chaos runs). */
export async function restartRegistry(dir: string, registry: StackState['registry']): Promise<StackState['registry']> {
  return spawnRegistry(dir, Number(new URL(registry.url).port));
}

async function spawnRegistry(dir: string, port: number): Promise<StackState['registry']> {
  const files = stackFiles(dir);
  const logFile = join(files.logs, 'schema-registry.log');
  const pid = spawnTypeScript(join(repoRoot, 'libs/dev-schema-registry/src/main.ts'), {
    cwd: repoRoot,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', STATE_FILE: files.registryState },
    logFile,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    `schema registry (log: ${logFile})`,
    () => httpOk(`${url}/healthz`),
    30_000,
    () => isAlive(pid),
  );
  return { pid, url, logFile };
}

/**
 * TIDEWATER_SCHEMA_REGISTRY=apicurio: Apicurio Registry (in-memory, empty on every start) instead
 * of the dev registry; APICURIO_HOME holds or receives the distribution, APICURIO_JAVA picks Java 21+.
 */
async function startApicurioRegistry(dir: string): Promise<StackState['registry']> {
  const logFile = join(stackFiles(dir).logs, 'schema-registry.log');
  const java = findJava();
  if (!java) throw stackErrors.create('TW_STACK_START_FAILED', 'Apicurio Registry needs Java 21+: set APICURIO_JAVA');
  const home = await ensureApicurioDistribution(
    process.env['APICURIO_HOME'] || join(repoRoot, '.tidewater', 'cache', 'apicurio-registry'),
  ).catch((cause: unknown) => {
    throw stackErrors.create('TW_STACK_START_FAILED', 'cannot fetch Apicurio Registry', { cause });
  });
  const [port, managementPort] = [await freePort(), await freePort()];
  const cmd = apicurioCommand({ home, java, port, managementPort });
  const pid = spawnDetached(cmd.command, cmd.args, { cwd: cmd.cwd, env: process.env, logFile });
  const url = `http://127.0.0.1:${port}${APICURIO_CCOMPAT_PATH}`;
  await waitUntil(
    `Apicurio Registry (log: ${logFile})`,
    () => httpOk(`${url}/subjects`),
    120_000,
    () => isAlive(pid),
  );
  return { pid, url, logFile };
}

/** Whether a Redis at `url` answers PING. */
export async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/**
 * Uses REDIS_URL when it is set and answers, else starts redis-server on a free port. Nothing is
 * assumed at 127.0.0.1:6379: no machine of ours starts a Redis there, and a stranger's would be shared.
 */
export async function startRedis(dir: string, url = process.env['REDIS_URL']): Promise<StackState['redis']> {
  if (url && (await redisAnswers(url))) return { url };
  // Like Kafka's data, Redis's starts empty with every stack.
  rmSync(join(dir, 'redis'), { recursive: true, force: true });
  return spawnRedis(dir, await freePort());
}

/**
 * Starts the stack's redis-server again on its port and data after it stopped or was killed (chaos
 * runs); what it acknowledged before comes back from the append-only file.
 */
export async function restartRedis(dir: string, redis: StackState['redis']): Promise<StackState['redis']> {
  return spawnRedis(dir, Number(new URL(redis.url).port));
}

/**
 * redis-server with the append-only file on (docs/adr/0004-redis-state-model.md): a SIGKILLed Redis
 * comes back with every write it acknowledged, since each reply follows the write(2) of its AOF
 * record (fsync once a second only guards against the machine crashing), and `noeviction`, so a
 * full Redis fails writes visibly instead of dropping state.
 */
async function spawnRedis(dir: string, port: number): Promise<StackState['redis']> {
  const logFile = join(stackFiles(dir).logs, 'redis.log');
  const dataDir = join(dir, 'redis');
  mkdirSync(dataDir, { recursive: true });
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dataDir, '--save', '', '--appendonly', 'yes'];
  args.push('--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction');
  let pid: number;
  try {
    pid = spawnDetached('redis-server', args, { cwd: dir, env: process.env, logFile });
  } catch (cause) {
    throw stackErrors.create(
      'TW_STACK_START_FAILED',
      'redis-server is not installed (apt-get install redis-server) and REDIS_URL is not reachable',
      { cause },
    );
  }
  const own = `redis://127.0.0.1:${port}`;
  await waitUntil(
    `redis-server (log: ${logFile})`,
    () => redisAnswers(own),
    15_000,
    () => isAlive(pid),
  );
  return { url: own, pid, logFile };
}

/** SLACK_WEBHOOK_URL when set (real Slack), else a local capture that prints and records messages. */
export async function startSlack(dir: string): Promise<StackState['slack']> {
  const external = process.env['SLACK_WEBHOOK_URL'];
  if (external) return { url: external };
  const files = stackFiles(dir);
  const logFile = join(files.logs, 'slack-capture.log');
  const port = await freePort();
  const pid = spawnTypeScript(join(repoRoot, 'libs/dev-stack/src/slack-capture-main.ts'), {
    cwd: repoRoot,
    env: { ...process.env, PORT: String(port), SLACK_CAPTURE_FILE: files.slackCapture },
    logFile,
  });
  const url = `http://127.0.0.1:${port}/`;
  await waitUntil(
    `slack capture (log: ${logFile})`,
    () => httpOk(`${url}healthz`),
    30_000,
    () => isAlive(pid),
  );
  return { pid, url, captureFile: files.slackCapture, logFile };
}

/** Whether Kafka answers: every broker registered (Apache Kafka), or a control-port ping (mock). */
export async function kafkaAnswers(kafka: StackState['kafka']): Promise<boolean> {
  if (kafka.controlPort !== undefined) {
    const control = await connectMockKafkaControl(kafka.controlPort);
    try {
      await control.ping();
      return true;
    } finally {
      await control.close();
    }
  }
  const admin = createKafkaClient({
    brokers: kafka.bootstrapServers,
    clientId: 'tidewater-dev-stack',
    retry: { retries: 0 },
    connectionTimeout: 1000,
  }).admin();
  try {
    await admin.connect();
    return (await admin.describeCluster()).brokers.length === kafka.pids.length;
  } finally {
    await admin.disconnect();
  }
}
