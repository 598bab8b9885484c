import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKafkaClient } from '@tidewater/kafka';
import { devKafkaErrors } from '../errors.js';
import { brokerJvmOptions, brokerProperties, newClusterId, type KraftNode } from './broker-properties.js';
import { apacheKafkaLog4j, ensureApacheKafkaJars, type ApacheKafkaJars } from './kafka-jars.js';
import { saslSslProperties, withSaslSslListener, type SaslSslListener } from './sasl-ssl-listener.js';

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** Options of {@link startApacheKafka}. */
export interface StartApacheKafkaOptions {
  /** Directory for the nodes' config, data and logs (wiped first: every start is a fresh cluster). */
  readonly dir: string;
  /** Combined broker+controller nodes (default 1). Topics get replication factor min(3, N). */
  readonly brokers?: number;
  /** Topics to create through the admin API once the cluster is up. */
  readonly topics: readonly { readonly name: string; readonly partitions: number }[];
  /** JVM heap per node in MB (default 768 for one node, 512 each for more). */
  readonly heapMb?: number;
  /**
   * How long to wait for every node to join and the topics to have leaders (default 180000 ms). A node
   * that exits fails the start at once; the bound is for a JVM starting slowly on a loaded machine.
   */
  readonly startTimeoutMs?: number;
  /** Where each node's log goes as `kafka-<node>.log` (default: the node's directory under `dir`). */
  readonly logDir?: string;
  /** A SASL_SSL listener on every node besides PLAINTEXT (issue 17); its addresses are `saslSslBootstrapServers`. */
  readonly saslSsl?: SaslSslListener;
  /** Progress lines (jar resolution on first run). */
  readonly log?: (line: string) => void;
  /** Node 1's second listener for a TCP fault proxy (see {@link KraftNode.proxied}); chaos runs. */
  readonly proxiedListener?: { readonly port: number; readonly advertisedPort: number };
}

/** One running node: a detached JVM writing to its own log file. */
export interface ApacheKafkaNode extends KraftNode {
  readonly pid: number;
  readonly logFile: string;
}

/** A running Apache Kafka dev cluster. */
export interface ApacheKafka {
  readonly version: string;
  readonly bootstrapServers: string[];
  /** The SASL_SSL listeners' addresses, with the `saslSsl` option. */
  readonly saslSslBootstrapServers?: string[];
  readonly nodes: readonly ApacheKafkaNode[];
  /** The jars' classpath, for running Kafka's Java tools against this cluster. */
  readonly classpath: string;
  /** From spawning the JVMs to topics with leaders (excludes a first-run jar download). */
  readonly startedInMs: number;
  /** Milliseconds the first run spent resolving jars from Maven Central, else undefined. */
  readonly jarsResolvedInMs: number | undefined;
  /** SIGTERM to every node, SIGKILL after `graceMs` (default 20000). Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

// Listener ports come from below Linux's ephemeral range (32768-60999 by default): a port the OS
// hands out as free can be taken by another outgoing connection (one of the other nodes' own)
// before the JVM binds it, which once killed a node at start with "Address already in use".
const LISTEN_PORTS = { from: 10_000, to: 32_000 };

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A loopback port below the ephemeral range that is free now and not in `taken` (which it joins). */
export async function listenPort(taken: Set<number> = new Set()): Promise<number> {
  for (;;) {
    const port = LISTEN_PORTS.from + Math.floor(Math.random() * (LISTEN_PORTS.to - LISTEN_PORTS.from));
    if (!taken.has(port) && (await bindable(port))) {
      taken.add(port);
      return port;
    }
  }
}

/** True while a process with this pid exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM to each pid, SIGKILL to those still alive after `graceMs`; resolves once all are gone. */
export async function stopKafkaNodes(pids: readonly number[], graceMs = 20_000): Promise<void> {
  // A node may exit between the check and the signal: that is the outcome we want, not an error.
  const signal = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  };
  for (const pid of pids) if (processAlive(pid)) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some(processAlive) && Date.now() < deadline) await sleep(100);
  for (const pid of pids) if (processAlive(pid)) signal(pid, 'SIGKILL');
  while (pids.some(processAlive)) await sleep(50);
}

async function logTail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return (
    text
      .split('\n')
      .filter((l) => /ERROR|Exception|FATAL/.test(l))
      .slice(-3)
      .join(' | ') || text.slice(-600)
  );
}

function runJava(
  classpath: string,
  args: readonly string[],
  logFile: string,
  detached: boolean,
): { pid: number; exited: Promise<number | null> } {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn('java', ['-cp', classpath, ...args], { detached, stdio: ['ignore', fd, fd] });
    if (detached) child.unref();
    const exited = new Promise<number | null>((resolve) => {
      child.once('error', () => resolve(-1));
      child.once('exit', (code) => resolve(code));
    });
    if (child.pid === undefined) throw devKafkaErrors.create('TW_DEVKAFKA_START_FAILED', `cannot start java; see ${logFile}`);
    return { pid: child.pid, exited };
  } finally {
    closeSync(fd);
  }
}

function validate(opts: StartApacheKafkaOptions): number {
  const brokers = opts.brokers ?? 1;
  const fail = (message: string): never => {
    throw devKafkaErrors.create('TW_DEVKAFKA_INVALID_OPTIONS', message);
  };
  if (!Number.isInteger(brokers) || brokers < 1 || brokers > 9) fail(`brokers must be 1..9, got ${brokers}`);
  const seen = new Set<string>();
  for (const t of opts.topics) {
    if (!TOPIC_NAME.test(t.name)) fail(`invalid topic name ${JSON.stringify(t.name)}`);
    if (!Number.isInteger(t.partitions) || t.partitions < 1 || t.partitions > 10_000) fail(`topic ${t.name}: partitions must be 1..10000`);
    if (seen.has(t.name)) fail(`topic ${t.name} is listed twice`);
    seen.add(t.name);
  }
  return brokers;
}

/**
 * Starts Apache Kafka in KRaft mode from the jars the pom pins (resolving them on first use):
 * formats each node's log dir with `StorageTool`, starts `kafka.Kafka` per node as a detached
 * JVM (it outlives this process, as `stack up` needs), waits until every broker is registered,
 * and creates the topics through the admin API. A node that dies or a cluster that is not ready
 * in time fails with the log file to read.
 */
export async function startApacheKafka(opts: StartApacheKafkaOptions): Promise<ApacheKafka> {
  const count = validate(opts);
  const jars = await ensureApacheKafkaJars(opts.log);
  // A port taken between choosing and binding it is the one start-up failure another try fixes.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startCluster(opts, count, jars);
    } catch (err) {
      const portTaken = devKafkaErrors.is(err, 'TW_DEVKAFKA_START_FAILED') && /Address already in use/.test(err.message);
      if (!portTaken || attempt === 3) throw err;
      opts.log?.(`a Kafka port was taken during start-up; starting again (attempt ${attempt + 1} of 3)`);
    }
  }
}

async function startCluster(opts: StartApacheKafkaOptions, count: number, jars: ApacheKafkaJars): Promise<ApacheKafka> {
  const started = Date.now();
  await rm(opts.dir, { recursive: true, force: true });
  const nodes: KraftNode[] = [];
  const taken = new Set<number>();
  for (let i = 1; i <= count; i += 1) {
    nodes.push({
      nodeId: i,
      port: await listenPort(taken),
      controllerPort: await listenPort(taken),
      logDir: join(opts.dir, `node-${i}`, 'data'),
      ...(opts.saslSsl ? { saslSslPort: await listenPort(taken) } : {}),
      ...(i === 1 && opts.proxiedListener ? { proxied: opts.proxiedListener } : {}),
    });
  }
  const clusterId = newClusterId();
  const heapMb = opts.heapMb ?? (count === 1 ? 768 : 512);
  const jvm = brokerJvmOptions(heapMb, apacheKafkaLog4j);
  const secured = opts.saslSsl
    ? saslSslProperties(opts.saslSsl, {
        cert: await readFile(opts.saslSsl.certFile, 'utf8'),
        key: await readFile(opts.saslSsl.keyFile, 'utf8'),
      })
    : undefined;
  const prepared = await Promise.all(
    nodes.map(async (node) => {
      const nodeDir = join(opts.dir, `node-${node.nodeId}`);
      await mkdir(nodeDir, { recursive: true });
      const config = join(nodeDir, 'server.properties');
      const logFile = join(opts.logDir ?? nodeDir, `kafka-${node.nodeId}.log`);
      await mkdir(opts.logDir ?? nodeDir, { recursive: true });
      await rm(logFile, { force: true });
      const properties = brokerProperties(node, nodes);
      await writeFile(config, secured && node.saslSslPort ? withSaslSslListener(properties, node.saslSslPort, secured) : properties);
      const format = runJava(
        jars.classpath,
        ['-Xmx256m', `-Dlog4j2.configurationFile=${apacheKafkaLog4j}`, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', config],
        logFile,
        false,
      );
      const code = await format.exited;
      if (code !== 0) {
        throw devKafkaErrors.create(
          'TW_DEVKAFKA_START_FAILED',
          `formatting node ${node.nodeId} failed (exit ${code}): ${await logTail(logFile)} (log: ${logFile})`,
        );
      }
      return { node, config, logFile };
    }),
  );
  const running: ApacheKafkaNode[] = prepared.map(({ node, config, logFile }) => {
    const { pid } = runJava(jars.classpath, [...jvm, 'kafka.Kafka', config], logFile, true);
    return { ...node, pid, logFile };
  });
  const pids = running.map((n) => n.pid);
  const bootstrapServers = running.map((n) => `127.0.0.1:${n.port}`);
  try {
    await waitReady(running, bootstrapServers, opts.topics, opts.startTimeoutMs ?? 180_000);
  } catch (err) {
    await stopKafkaNodes(pids, 0);
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    version: jars.version,
    bootstrapServers,
    ...(secured ? { saslSslBootstrapServers: nodes.map((n) => `127.0.0.1:${n.saslSslPort}`) } : {}),
    nodes: running,
    classpath: jars.classpath,
    startedInMs: Date.now() - started,
    jarsResolvedInMs: jars.resolvedInMs,
    stop(graceMs = 20_000) {
      stopping ??= stopKafkaNodes(pids, graceMs);
      return stopping;
    },
  };
}

async function waitReady(
  nodes: readonly ApacheKafkaNode[],
  brokers: string[],
  topics: StartApacheKafkaOptions['topics'],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const kafka = createKafkaClient({ brokers, clientId: 'tidewater-dev-stack', retry: { retries: 0 }, connectionTimeout: 1000 });
  const check = async () => {
    for (const n of nodes) {
      if (!processAlive(n.pid)) {
        throw devKafkaErrors.create(
          'TW_DEVKAFKA_START_FAILED',
          `Kafka node ${n.nodeId} exited during start-up: ${await logTail(n.logFile)} (log: ${n.logFile})`,
        );
      }
    }
    if (Date.now() > deadline) {
      throw devKafkaErrors.create(
        'TW_DEVKAFKA_START_TIMEOUT',
        `Apache Kafka was not ready after ${timeoutMs} ms (logs: ${nodes.map((n) => n.logFile).join(', ')})`,
      );
    }
  };
  for (;;) {
    await check();
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length === nodes.length && cluster.controller !== null && cluster.controller >= 0) {
        if (topics.length > 0) {
          await admin.createTopics({
            topics: topics.map((t) => ({ topic: t.name, numPartitions: t.partitions, replicationFactor: Math.min(3, nodes.length) })),
            waitForLeaders: true,
            timeout: Math.max(1000, deadline - Date.now()),
          });
        }
        // A node can register and then die of a failed listener; ready means all of them still run.
        await check();
        return;
      }
    } catch {
      // Not listening yet, or brokers still registering: poll again.
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await sleep(250);
  }
}

/**
 * Starts one node of a cluster that {@link startApacheKafka} formatted, on its existing config and
 * data (`<dir>/node-<id>/server.properties`), after it stopped or was killed: what a chaos run needs
 * to bring a broker back. Returns the new JVM's pid once the node is registered with the cluster.
 */
export async function restartApacheKafkaNode(opts: {
  readonly dir: string;
  readonly nodeId: number;
  readonly nodes: number;
  readonly bootstrapServers: readonly string[];
  readonly logFile: string;
  readonly heapMb?: number;
  readonly timeoutMs?: number;
}): Promise<number> {
  const jars = await ensureApacheKafkaJars();
  const config = join(opts.dir, `node-${opts.nodeId}`, 'server.properties');
  const jvm = brokerJvmOptions(opts.heapMb ?? (opts.nodes === 1 ? 768 : 512), apacheKafkaLog4j);
  const { pid } = runJava(jars.classpath, [...jvm, 'kafka.Kafka', config], opts.logFile, true);
  const kafka = createKafkaClient({
    brokers: [...opts.bootstrapServers],
    clientId: 'tidewater-dev-stack',
    retry: { retries: 0 },
    connectionTimeout: 1000,
  });
  const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
  for (;;) {
    if (!processAlive(pid)) {
      throw devKafkaErrors.create(
        'TW_DEVKAFKA_START_FAILED',
        `Kafka node ${opts.nodeId} exited on restart: ${await logTail(opts.logFile)}`,
      );
    }
    const admin = kafka.admin();
    try {
      await admin.connect();
      if ((await admin.describeCluster()).brokers.some((b) => b.nodeId === opts.nodeId)) return pid;
    } catch {
      // Still starting (log recovery after a SIGKILL takes a few seconds): poll again.
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    if (Date.now() > deadline) {
      throw devKafkaErrors.create('TW_DEVKAFKA_START_TIMEOUT', `Kafka node ${opts.nodeId} did not rejoin in time (log: ${opts.logFile})`);
    }
    await sleep(250);
  }
}
