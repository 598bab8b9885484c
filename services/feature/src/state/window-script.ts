/**
 * The compare-and-set write of a batch's changed entity states (one EVALSHA per batch, or per
 * chunk of a large batch).
 *
 * KEYS    the entities' state keys (a string each: the packed state of entity-state.ts, whose
 *         first 8 bytes are its version, the count of events ever applied to the entity).
 * ARGV    TTL ms, then per key: the version as read (its 8 bytes, empty when the key did not
 *         exist) and the new state.
 *
 * Node reads the states, applies the batch's events to them and writes them back here. A key
 * whose version changed in between (another consumer wrote the entity, as during a rebalance) is
 * not written; the script returns the 1-based positions of those keys, so Node re-reads and
 * recomputes just those entities. The comparison is of raw bytes (GETRANGE of 8 bytes, no
 * parsing), so Redis's work is GET/SET-sized whatever the windows. The keys are many entities'
 * (many hash slots): the script needs a single Redis, not Redis Cluster.
 */
export const windowWriteScript = `
local ttl = ARGV[1]
local stale = {}
for k = 1, #KEYS do
  if redis.call('GETRANGE', KEYS[k], 0, 7) == ARGV[2 * k] then
    redis.call('SET', KEYS[k], ARGV[2 * k + 1], 'PX', ttl)
  else
    stale[#stale + 1] = k
  end
end
return stale
`;
