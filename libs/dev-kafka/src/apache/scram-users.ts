import { devKafkaErrors } from '../errors.js';
import { runCommand } from '../run-command.js';
import { apacheKafkaLog4j } from './kafka-jars.js';

/**
 * Creates or updates a SCRAM user through Kafka's admin API (AlterUserScramCredentials, which
 * kafkajs lacks), with Kafka's own `kafka-configs` tool run from the broker jars against a
 * PLAINTEXT listener of the cluster.
 */
export async function addScramUser(opts: {
  readonly classpath: string;
  readonly bootstrapServer: string;
  readonly mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  readonly username: string;
  readonly password: string;
  readonly iterations?: number;
}): Promise<void> {
  if (/[,\]=\s]/.test(opts.password)) throw new TypeError('SCRAM test passwords may not hold commas, "]", "=" or spaces');
  const result = await runCommand('java', [
    '-Xmx128m',
    `-Dlog4j2.configurationFile=${apacheKafkaLog4j}`,
    '-cp',
    opts.classpath,
    'org.apache.kafka.tools.ConfigCommand',
    '--bootstrap-server',
    opts.bootstrapServer,
    '--alter',
    '--entity-type',
    'users',
    '--entity-name',
    opts.username,
    '--add-config',
    `${opts.mechanism}=[iterations=${opts.iterations ?? 4096},password=${opts.password}]`,
  ]);
  if (result?.code !== 0) {
    throw devKafkaErrors.create(
      'TW_DEVKAFKA_START_FAILED',
      `adding SCRAM user ${opts.username} (${opts.mechanism}) failed: ${result ? result.output.slice(-600) : 'java not found'}`,
    );
  }
}
