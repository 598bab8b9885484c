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

/**
 * The write of windowWriteScript and, in the same call, the online store's newest vectors
 * (online-store.ts's rule: a vector replaces the stored one unless that one is newer by event
 * time), so a batch pays one round trip for both (issue 23). A vector whose entity's state write
 * was refused (stale) is not stored: it was computed from that stale state, and Node recomputes it.
 *
 * KEYS    n state keys, then the online keys.
 * ARGV    n, the state TTL ms, the online TTL ms; per state key the version as read and the new
 *         state; per online key the 1-based position of its entity's state key (0: the entity's
 *         state did not change), the event time and the vector.
 * Returns the 1-based positions of the stale state keys, like windowWriteScript.
 */
export const windowAndOnlineWriteScript = `
local n = tonumber(ARGV[1])
local ttl = ARGV[2]
local onlineTtl = ARGV[3]
local stale = {}
local refused = {}
for k = 1, n do
  if redis.call('GETRANGE', KEYS[k], 0, 7) == ARGV[2 + 2 * k] then
    redis.call('SET', KEYS[k], ARGV[3 + 2 * k], 'PX', ttl)
  else
    stale[#stale + 1] = k
    refused[k] = true
  end
end
local base = 3 + 2 * n
for j = 1, #KEYS - n do
  local at = base + 3 * (j - 1)
  local dep = tonumber(ARGV[at + 1])
  if dep == 0 or not refused[dep] then
    local key = KEYS[n + j]
    local t = ARGV[at + 2]
    local cur = redis.call('HGET', key, 't')
    if not cur or tonumber(cur) <= tonumber(t) then
      redis.call('HSET', key, 't', t, 'v', ARGV[at + 3])
      redis.call('PEXPIRE', key, onlineTtl)
    end
  end
end
return stale
`;
