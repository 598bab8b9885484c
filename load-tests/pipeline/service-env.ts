/**
 * The services' tuning variables (their config schemas' and Node's) this process's environment
 * sets. The dev stack starts the services with this environment, so a run started with, say,
 * `PARTITIONS_CONCURRENTLY=2 npm run load` ran the services with it: the bench's JSON line says so,
 * and a recorded variant is not mistaken for the commit's defaults.
 */
const tuningVariable =
  /^(KAFKA_COMMIT_INTERVAL_MS|KAFKA_CLIENT|(DRIFT_)?FETCH_[A-Z_]+|(CONSUMER_)?PARTITIONS_(CONSUMED_)?CONCURRENTLY|MAX_BATCH_[A-Z_]+|MAX_IN_FLIGHT|ORT_[A-Z_]+|WORKER_THREADS|EXACTLY_ONCE|NODE_OPTIONS|TW_BATCH_TIMINGS_MS)$/;

export function serviceTuningEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (value !== undefined && tuningVariable.test(name)) out[name] = value;
  }
  return out;
}
