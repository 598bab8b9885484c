import type { KafkaAdmin } from './admin.js';
import type { KafkaClient } from './kafka-client.js';
import type { Logger } from 'pino';

/** How long `close()` waits for a run in flight before disconnecting under it. */
const closeWaitMs = 1000;

/** A probe run now and then on a timer, with an admin connection of its own. */
export interface TimedProbe {
  /** Runs once now (a run already in flight is shared). Failures are reported, never thrown. */
  probe(): Promise<void>;
  /** Runs every `intervalMs` until closed; the first run starts at once. */
  start(): void;
  /** Stops the timer, waits for a run in flight and disconnects the admin client; idempotent. */
  close(): Promise<void>;
}

/**
 * The timer, admin connection and failure reporting that both lag probes share. `run` gets a
 * connected admin client; when it throws, `onFailure` counts it and only the first failure of a
 * streak is logged, since a broker outage would otherwise log every interval.
 */
export function createTimedProbe(opts: {
  readonly kafka: KafkaClient;
  readonly logger: Logger;
  readonly what: string;
  readonly intervalMs: number;
  readonly run: (admin: KafkaAdmin, isClosed: () => boolean) => Promise<void>;
  readonly onFailure: () => void;
}): TimedProbe {
  let admin: KafkaAdmin | undefined;
  let connected: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let closed: Promise<void> | undefined;
  let failing = false;
  const isClosed = () => closed !== undefined;

  async function connectedAdmin(): Promise<KafkaAdmin> {
    admin ??= opts.kafka.admin();
    const client = admin;
    connected ??= client.connect().catch((err: unknown) => {
      connected = undefined;
      throw err;
    });
    await connected;
    return client;
  }

  function probe(): Promise<void> {
    if (closed) return Promise.resolve();
    inFlight ??= connectedAdmin()
      .then((client) => (isClosed() ? undefined : opts.run(client, isClosed)))
      .then(() => {
        if (failing) opts.logger.info(`${opts.what} recovered`);
        failing = false;
      })
      .catch((err: unknown) => {
        opts.onFailure();
        if (!failing) opts.logger.warn({ err }, `${opts.what} failed; the last figures stay until one succeeds`);
        failing = true;
      })
      .finally(() => (inFlight = undefined));
    return inFlight;
  }

  return {
    probe,
    start() {
      if (timer || closed || opts.intervalMs <= 0) return;
      void probe();
      timer = setInterval(() => void probe(), opts.intervalMs);
      timer.unref();
    },
    close() {
      closed ??= (async () => {
        clearInterval(timer);
        // A run stuck connecting to an unreachable Kafka (the client's retries take tens of seconds)
        // must not eat the shutdown deadline: wait a moment for it, then cut the connection under it.
        let waited: NodeJS.Timeout | undefined;
        await Promise.race([inFlight, new Promise<void>((resolve) => (waited = setTimeout(resolve, closeWaitMs)))]);
        clearTimeout(waited);
        if (admin && connected) await admin.disconnect().catch(() => undefined);
      })();
      return closed;
    },
  };
}
