/**
 * The load generator of `npm run bench:feature` part (c), run by the bench as a child process so
 * that its own CPU and event loop are not the server's: run in the server's process, autocannon's
 * request building and response parsing queued on the same event loop as the handlers and were
 * counted as the server's latency. Takes one JSON argument (ServingLoadInput), prints one JSON line
 * (ServingLoadResult).
 *
 * Closed loop, as autocannon does: each connection sends its next request as soon as it has an
 * answer, so this measures the most the server answers and the latency at that saturation (mean
 * latency = connections / throughput, by Little's law). An open-loop generator at a fixed rate
 * was tried and dropped: Node's HTTP client in this child added tens of ms to its own p99 on the
 * shared 2-core machine, which would have been counted as the server's (and autocannon's
 * `overallRate` sends each second's quota in a burst).
 */
import autocannon from 'autocannon';

export interface ServingLoadInput {
  readonly url: string;
  readonly connections: number;
  readonly durationS: number;
  /** Entities are `card-0` .. `card-<cards - 1>`, picked at random per request. */
  readonly cards: number;
  /** `get`: GET /v1/features/{entity}; `batch`: POST /v1/features:batchGet with `batchSize` entities. */
  readonly mode: 'get' | 'batch';
  readonly batchSize?: number;
}

/** Latencies in ms (autocannon's whole-ms histogram). */
export interface ServingLoadResult {
  readonly reqPerS: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly non2xx: number;
  readonly errors: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as ServingLoadInput;
const card = () => `card-${Math.floor(Math.random() * input.cards)}`;
const path = () => (input.mode === 'get' ? `/v1/features/${card()}` : '/v1/features:batchGet');
const body = () => (input.mode === 'get' ? undefined : JSON.stringify({ entities: Array.from({ length: input.batchSize ?? 10 }, card) }));

async function closedLoop(): Promise<ServingLoadResult> {
  const request: autocannon.Request =
    input.mode === 'get'
      ? { method: 'GET', setupRequest: (req) => ({ ...req, path: path() }) }
      : {
          method: 'POST',
          path: path(),
          headers: { 'content-type': 'application/json' },
          setupRequest: (req) => ({ ...req, body: body() }),
        };
  const result = await autocannon({ url: input.url, connections: input.connections, duration: input.durationS, requests: [request] });
  return {
    reqPerS: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

console.log(JSON.stringify(await closedLoop()));
