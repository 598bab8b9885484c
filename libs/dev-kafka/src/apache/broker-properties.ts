import { randomBytes } from 'node:crypto';

/** One KRaft node of a dev cluster: a combined broker and controller on loopback ports. */
export interface KraftNode {
  readonly nodeId: number;
  readonly port: number;
  readonly controllerPort: number;
  readonly logDir: string;
  /** Port of the node's SASL_SSL listener, when the cluster has one (added by `withSaslSslListener`). */
  readonly saslSslPort?: number | undefined;
  /**
   * A second client listener on `port` that advertises `advertisedPort`, where a TCP fault proxy
   * forwards to it: clients bootstrapped through the proxy then reach this node only through it.
   */
  readonly proxied?: { readonly port: number; readonly advertisedPort: number } | undefined;
}

/**
 * `server.properties` for one combined broker+controller of an N-node dev cluster, as Kafka's
 * own `config/server.properties` sets it up, plus what a 2-core development machine needs:
 * internal topics replicated min(3, N) times with few partitions (they are created on first use,
 * and 50 partitions per topic cost seconds), no initial rebalance delay (tests join groups
 * constantly), small cleaner buffers and thread pools.
 */
export function brokerProperties(node: KraftNode, cluster: readonly KraftNode[]): string {
  const replication = Math.min(3, cluster.length);
  const proxied = node.proxied;
  const props: Record<string, string | number> = {
    'process.roles': 'broker,controller',
    'node.id': node.nodeId,
    // A static quorum: every node knows every voter, so all nodes format the same way.
    'controller.quorum.voters': cluster.map((n) => `${n.nodeId}@127.0.0.1:${n.controllerPort}`).join(','),
    listeners: `PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}${proxied ? `,PROXIED://127.0.0.1:${proxied.port}` : ''}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${node.port}${proxied ? `,PROXIED://127.0.0.1:${proxied.advertisedPort}` : ''}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': `PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${proxied ? ',PROXIED:PLAINTEXT' : ''}`,
    'log.dirs': node.logDir,
    'num.partitions': 3,
    'default.replication.factor': replication,
    'min.insync.replicas': 1,
    'offsets.topic.replication.factor': replication,
    'offsets.topic.num.partitions': 10,
    'transaction.state.log.replication.factor': replication,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 10,
    'share.coordinator.state.topic.replication.factor': replication,
    'share.coordinator.state.topic.min.isr': 1,
    'group.initial.rebalance.delay.ms': 0,
    'num.network.threads': 2,
    'num.io.threads': 4,
    'background.threads': 4,
    // A SIGKILLed node recovers its unflushed logs on restart: one thread per core.
    'num.recovery.threads.per.data.dir': 2,
    // A node restarted after a SIGKILL cannot register until the controller has expired its previous
    // incarnation (DUPLICATE_BROKER_REGISTRATION): 9 s by default, 8 of the 22 s a restart took in
    // issue 23's chaos run. 4 s with heartbeats every second still allows three missed in a row.
    'broker.session.timeout.ms': 4000,
    'broker.heartbeat.interval.ms': 1000,
    // Consumer groups may ask for sessions down to 1 s, so a service's session setting can be measured
    // below the 6 s production brokers allow by default (inference defaults to 6 s, other services 10 s).
    'group.min.session.timeout.ms': 1000,
    'log.cleaner.threads': 1,
    'log.cleaner.dedupe.buffer.size': 8 * 1024 * 1024,
    'log.retention.hours': 24,
  };
  return `${Object.entries(props)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}

/** JVM options for one node: a heap sized for a shared 2-core machine and Kafka's usual G1 settings. */
export function brokerJvmOptions(heapMb: number, log4jConfig: string): string[] {
  return [
    `-Xms${Math.min(256, heapMb)}m`,
    `-Xmx${heapMb}m`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4jConfig}`,
  ];
}

/**
 * A random KRaft cluster id: 16 random bytes in URL-safe base64, as Kafka's `Uuid.randomUuid()`
 * makes them, and like Kafka it never starts with '-' (one id in 64 would), because
 * `kafka-storage format -t -abc…` reads such an id as an option and refuses to start.
 */
export function newClusterId(random: () => Buffer = () => randomBytes(16)): string {
  for (;;) {
    const id = random().toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
