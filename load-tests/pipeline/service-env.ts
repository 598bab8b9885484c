/**
 * The services' tuning variables (their config schemas' and Node's) this process's environment
 * sets. The dev stack starts the services with this environment, so a run started with, say,
 * `PARTITIONS_CONCURRENTLY=2 npm run load` ran the services with it: the bench's JSON line says so,
 * and a recorded variant is not mistaken for the commit's defaults. As set here: the dev stack adds
 * a few of its own for one service (feature's NODE_OPTIONS), which this does not see.
 */
const tuningVariable =
  /^(KAFKA_COMMIT_INTERVAL_MS|KAFKA_CLIENT|(DRIFT_)?FETCH_[A-Z_]+|(CONSUMER_)?PARTITIONS_(CONSUMED_)?CONCURRENTLY|CONSUMER_[A-Z_]+_MS|MAX_BATCH_[A-Z_]+|MAX_IN_FLIGHT|HTTP_MAX_[A-Z_]+|DEDUPE_[A-Z_]+|ORT_[A-Z_]+|WORKER_THREADS|EXACTLY_ONCE|NODE_OPTIONS|UV_THREADPOOL_SIZE|TW_[A-Z_]+)$/;
// Never recorded, whatever the pattern above matches: results.jsonl is committed.
const secretLike = /PASSWORD|SECRET|TOKEN|KEY|SASL|TLS|CERT|USERNAME|HMAC/;

export function serviceTuningEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (value !== undefined && tuningVariable.test(name) && !secretLike.test(name)) out[name] = value;
  }
  return out;
}
