/**
 * The TCP fault proxy between one service (feature) and Kafka: a Toxiproxy server whose proxy
 * forwards to a second listener of Kafka node 1 that advertises the proxy's port. A client
 * bootstrapped at the proxy learns only proxied addresses from that listener's metadata, so all
 * of its connections pass through the proxy, while every other client uses the plain listener.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Toxiproxy, type Proxy } from 'toxiproxy-node-client';
import { listenPort, processAlive } from '@tidewater/dev-kafka';
import { restartService, stackFiles, startStackServices, stopStackProcess, writeStackState, type StackState } from '@tidewater/dev-stack';
import { ensureToxiproxy } from './toxiproxy-binary.js';
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';

/** The service whose Kafka traffic goes through the proxy. */
export const PROXIED_SERVICE = 'feature';

export async function startKafkaProxy(dir: string, log: (line: string) => void) {
  const binary = await ensureToxiproxy(log);
  const taken = new Set<number>();
  const [apiPort, proxyPort, upstreamPort] = [await listenPort(taken), await listenPort(taken), await listenPort(taken)];
  mkdirSync(stackFiles(dir).logs, { recursive: true });
  const fd = openSync(join(stackFiles(dir).logs, 'toxiproxy.log'), 'a');
  const child = spawn(binary, ['-host', '127.0.0.1', '-port', String(apiPort)], { stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  child.unref();
  const pid = child.pid!;
  const toxiproxy = new Toxiproxy(`http://127.0.0.1:${apiPort}`);
  let proxy: Proxy | undefined;
  for (const deadline = Date.now() + 15_000; ;) {
    try {
      proxy = await toxiproxy.createProxy({
        name: 'kafka-feature',
        listen: `127.0.0.1:${proxyPort}`,
        upstream: `127.0.0.1:${upstreamPort}`,
      });
      break;
    } catch (err) {
      if (!processAlive(pid) || Date.now() > deadline) throw new Error(`Toxiproxy did not start: ${String(err)}`);
      await sleep(200);
    }
  }
  const p = proxy;
  const proxied = `127.0.0.1:${proxyPort}`;
  return {
    listener: { port: upstreamPort, advertisedPort: proxyPort },
    /** Starts the services, the proxied one with Kafka at the proxy; fills `serviceEnv` for restarts. */
    async startServices(
      state: StackState,
      serviceEnv: Record<string, Record<string, string>>,
      inferenceWorkers: number,
    ): Promise<StackState> {
      let next = await startStackServices({ dir: state.dir, inferenceWorkers });
      const service = next.services.find((s) => s.name === PROXIED_SERVICE)!;
      await stopStackProcess(service.pid, 20_000);
      serviceEnv[PROXIED_SERVICE] = { KAFKA_BROKERS: proxied };
      const restarted = await restartService(next, service, serviceEnv[PROXIED_SERVICE]);
      next = { ...next, services: next.services.map((s) => (s === service ? restarted : s)) };
      writeStackState(next);
      log(`${PROXIED_SERVICE} reaches Kafka through Toxiproxy at ${proxied}`);
      return next;
    },
    control: {
      async latency(ms: number): Promise<void> {
        for (const stream of ['upstream', 'downstream'] as const) {
          await p.addToxic({
            name: `latency-${stream}`,
            type: 'latency',
            stream,
            toxicity: 1,
            attributes: { latency: ms, jitter: Math.round(ms / 5) },
          });
        }
      },
      async cut(): Promise<void> {
        await p.update({ enabled: false, listen: p.listen, upstream: p.upstream });
      },
      async heal(): Promise<void> {
        await toxiproxy.reset();
      },
    },
    async stop(): Promise<void> {
      await stopStackProcess(pid, 3000);
    },
  };
}
