import { connect, type Socket } from 'node:net';
import type { TidewaterError } from '@tidewater/errors';
import type { DevKafkaErrorCode } from './errors.js';
import { devKafkaErrors } from './errors.js';

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

interface Pending {
  readonly command: string;
  readonly resolve: (reply: string) => void;
  readonly reject: (err: TidewaterError<DevKafkaErrorCode>) => void;
  readonly timer: NodeJS.Timeout;
  settled: boolean;
}

/** Options of a control connection. */
export interface MockKafkaControlOptions {
  /** How long to wait for the TCP connection (default 5000 ms). */
  connectTimeoutMs?: number;
  /** How long to wait for each command's reply (default 10000 ms). */
  commandTimeoutMs?: number;
}

function invalid(message: string): Promise<never> {
  return Promise.reject(devKafkaErrors.create('TW_DEVKAFKA_INVALID_OPTIONS', message));
}

function isInt(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

/**
 * One connection to a mock cluster's control port. Commands may be issued concurrently: the
 * launcher answers one line per command, in order, so replies are matched first-in first-out.
 * The socket only keeps the Node process alive while a command is in flight.
 */
export class MockKafkaControl {
  private buffer = '';
  private readonly pending: Pending[] = [];
  /** Set once the connection is gone; later commands fail with it. */
  private lost: TidewaterError<DevKafkaErrorCode> | undefined;
  private closing: Promise<void> | undefined;
  private readonly closed: Promise<void>;

  /** Use {@link connectMockKafkaControl}. */
  constructor(
    private readonly socket: Socket,
    private readonly endpoint: string,
    private readonly commandTimeoutMs: number,
  ) {
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.unref();
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', () => undefined); // 'close' follows and reports it
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.lost ??= devKafkaErrors.create('TW_DEVKAFKA_CONTROL_UNAVAILABLE', `control connection to ${endpoint} closed`);
        this.failPending(this.lost);
        resolve();
      });
    });
  }

  /** Checks the launcher answers. */
  async ping(): Promise<void> {
    await this.send('ping');
  }

  /** Disconnects a broker (1..N, or -1 for all) and refuses new connections; leaders do not move. */
  brokerDown(brokerId: number): Promise<void> {
    return this.brokerCommand('broker-down', brokerId);
  }

  /** Lets a broker (1..N, or -1 for all) accept connections again. */
  brokerUp(brokerId: number): Promise<void> {
    return this.brokerCommand('broker-up', brokerId);
  }

  /** Delays every response of a broker (1..N, or -1 for all) by `ms`; 0 removes the delay. */
  async setBrokerRtt(brokerId: number, ms: number): Promise<void> {
    if (!isInt(ms, 0, 3_600_000)) return invalid(`rtt must be 0..3600000 ms, got ${ms}`);
    if (!isInt(brokerId, -1, 2 ** 31 - 1)) return invalid(`invalid broker id ${brokerId}`);
    await this.send(`broker-rtt ${brokerId} ${ms}`);
  }

  /**
   * Makes the next `codes.length` requests of type `apiKey` (see KafkaApiKey) fail with these
   * error codes, in order, whichever broker receives them.
   */
  async pushRequestErrors(apiKey: number, codes: readonly number[]): Promise<void> {
    if (!isInt(apiKey, 0, 32767)) return invalid(`invalid api key ${apiKey}`);
    if (codes.length === 0 || codes.length > 256 || !codes.every((c) => isInt(c, -32768, 32767))) {
      return invalid(`error codes must be 1..256 integers, got [${codes.join(',')}]`);
    }
    await this.send(`push-request-errors ${apiKey} ${codes.join(',')}`);
  }

  /** Drops the errors still queued by {@link pushRequestErrors} for `apiKey`. */
  async clearRequestErrors(apiKey: number): Promise<void> {
    if (!isInt(apiKey, 0, 32767)) return invalid(`invalid api key ${apiKey}`);
    await this.send(`clear-request-errors ${apiKey}`);
  }

  /** Makes Metadata responses report `code` for the topic until set back to 0. */
  async setTopicError(topic: string, code: number): Promise<void> {
    if (!TOPIC_NAME.test(topic)) return invalid(`invalid topic name ${JSON.stringify(topic)}`);
    if (!isInt(code, -32768, 32767)) return invalid(`invalid error code ${code}`);
    await this.send(`topic-error ${topic} ${code}`);
  }

  /** Creates a topic (the mock does not implement the CreateTopics admin request). */
  async createTopic(name: string, partitions: number): Promise<void> {
    if (!TOPIC_NAME.test(name)) return invalid(`invalid topic name ${JSON.stringify(name)}`);
    if (!isInt(partitions, 1, 100_000)) return invalid(`partitions must be 1..100000, got ${partitions}`);
    await this.send(`create-topic ${name} ${partitions}`);
  }

  /** Moves a partition's leadership to `brokerId` (-1 leaves it leaderless). */
  async setPartitionLeader(topic: string, partition: number, brokerId: number): Promise<void> {
    if (!TOPIC_NAME.test(topic)) return invalid(`invalid topic name ${JSON.stringify(topic)}`);
    if (!isInt(partition, 0, 2 ** 31 - 1)) return invalid(`invalid partition ${partition}`);
    if (!isInt(brokerId, -1, 2 ** 31 - 1)) return invalid(`invalid broker id ${brokerId}`);
    await this.send(`partition-leader ${topic} ${partition} ${brokerId}`);
  }

  /**
   * Stops the mock cluster. Resolves once the launcher has destroyed the brokers and dropped this
   * connection; the process exits right after.
   */
  async shutdown(): Promise<void> {
    await this.send('shutdown');
    this.lost = devKafkaErrors.create('TW_DEVKAFKA_CONTROL_CLOSED', 'the mock cluster was shut down');
    this.socket.ref(); // keep the process alive until the launcher drops the connection
    await this.closed;
  }

  /** Closes this connection (the cluster keeps running). Idempotent. */
  close(): Promise<void> {
    this.closing ??= (() => {
      this.lost ??= devKafkaErrors.create('TW_DEVKAFKA_CONTROL_CLOSED', 'control connection closed by the caller');
      this.failPending(this.lost);
      this.socket.destroy();
      return this.closed;
    })();
    return this.closing;
  }

  private async brokerCommand(command: string, brokerId: number): Promise<void> {
    if (!isInt(brokerId, -1, 2 ** 31 - 1)) return invalid(`invalid broker id ${brokerId}`);
    await this.send(`${command} ${brokerId}`);
  }

  /** Sends one command line and resolves with the text after `ok`. */
  private send(command: string): Promise<string> {
    if (this.lost !== undefined) return Promise.reject(this.lost);
    return new Promise((resolve, reject) => {
      const entry: Pending = {
        command,
        resolve,
        reject,
        settled: false,
        timer: setTimeout(() => {
          // The entry stays queued so its late reply is still matched to it and then dropped.
          this.settle(entry, () =>
            reject(
              devKafkaErrors.create('TW_DEVKAFKA_CONTROL_TIMEOUT', `no reply to "${command}" from ${this.endpoint}`, {
                details: { command, timeoutMs: this.commandTimeoutMs },
              }),
            ),
          );
          this.updateRef();
        }, this.commandTimeoutMs),
      };
      this.pending.push(entry);
      this.updateRef();
      this.socket.write(`${command}\n`);
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).trimEnd();
      this.buffer = this.buffer.slice(newline + 1);
      const entry = this.pending.shift();
      if (entry === undefined) continue;
      if (line === 'ok' || line.startsWith('ok ')) {
        this.settle(entry, () => entry.resolve(line.slice(3)));
      } else {
        this.settle(entry, () =>
          entry.reject(
            devKafkaErrors.create('TW_DEVKAFKA_CONTROL_REJECTED', `mock cluster refused "${entry.command}": ${line}`, {
              details: { command: entry.command, reply: line },
            }),
          ),
        );
      }
    }
    this.updateRef();
  }

  /** Holds the event loop only while some command still awaits its reply. */
  private updateRef(): void {
    if (this.pending.some((p) => !p.settled)) this.socket.ref();
    else this.socket.unref();
  }

  private settle(entry: Pending, action: () => void): void {
    if (entry.settled) return;
    entry.settled = true;
    clearTimeout(entry.timer);
    action();
  }

  private failPending(err: TidewaterError<DevKafkaErrorCode>): void {
    for (const entry of this.pending.splice(0)) this.settle(entry, () => entry.reject(err));
  }
}

/** Opens a control connection to a mock cluster launcher. */
export function connectMockKafkaControl(
  port: number,
  host = '127.0.0.1',
  options: MockKafkaControlOptions = {},
): Promise<MockKafkaControl> {
  const endpoint = `${host}:${port}`;
  if (!isInt(port, 1, 65535)) return invalid(`invalid control port ${port}`);
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host });
    const fail = (cause: unknown) => {
      socket.destroy();
      reject(devKafkaErrors.create('TW_DEVKAFKA_CONTROL_UNAVAILABLE', `cannot connect to mock cluster control at ${endpoint}`, { cause }));
    };
    socket.setTimeout(options.connectTimeoutMs ?? 5000, () => fail(new Error('connect timeout')));
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.off('error', fail);
      resolve(new MockKafkaControl(socket, endpoint, options.commandTimeoutMs ?? 10_000));
    });
  });
}
