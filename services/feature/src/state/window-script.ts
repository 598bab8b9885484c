/**
 * The atomic per-event update of one entity's state, run by Redis (EVALSHA, pipelined per batch).
 *
 * KEYS[1] state hash of the entity: `maxT` (newest applied event time); per window a ring of
 *         bucket slots `<window>:<slot>` holding little-endian doubles (struct.pack: C-side, far
 *         cheaper than text) bucket, count, then sum, sumsq, min, max per aggregated field; and
 *         `<window>:i`, the buckets present in the ring (packed doubles), so a read touches only
 *         buckets that hold events: a card seen twice a day costs two slots, not the whole window.
 * KEYS[2] sorted set of applied event ids scored by event time, trimmed to the retention.
 * ARGV    event id, event time, allowed lateness, retention, TTL, HLL key prefix, then per window
 *         name, bucket ms, buckets read, ring size, field count, field values..., distinct count,
 *         distinct field names and values...
 *
 * An event is late when it is more than the allowed lateness behind the entity's newest event;
 * late events and already-applied ids change nothing. Reads cover the `buckets` buckets ending
 * with the event's own bucket (the newest event's bucket for a late event), the event included.
 * A ring of `buckets + ceil(lateness / bucket) + 1` slots is enough: an event that is not late is
 * at most ceil(lateness / bucket) buckets behind the newest one, so the slot it writes never holds
 * a newer bucket, and no bucket a read needs has been overwritten. Distinct values go to one
 * HyperLogLog per bucket slot, reset when its slot starts a new bucket; the HLL keys share the
 * entity's hash tag (Redis Cluster slot) through the prefix.
 *
 * All bucket slots the windows read come in one HMGET (after the header's), so an event costs two
 * reads whatever the number of windows.
 *
 * Returns one string of little-endian doubles (struct.pack, exact and far cheaper than formatting
 * numbers as text): late (0/1), duplicate (0/1), previous maxT (NaN for none), then per window:
 * count, per field sum, sumsq, min, max (NaN when the window is empty), then per distinct field its
 * estimate.
 */
export const windowUpdateScript = `
local state, ids = KEYS[1], KEYS[2]
local tonumber, floor, pack, sunpack, rep, unpack = tonumber, math.floor, struct.pack, struct.unpack, string.rep, unpack
local id, t, lateness, keep, ttl, hll = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local nan = 0 / 0
-- Parse the window specs first, so the state's header fields come in one HMGET.
local windows, fields = {}, { 'maxT' }
local i = 7
while i <= #ARGV do
  local nf = tonumber(ARGV[i + 4])
  local w = { name = ARGV[i], size = tonumber(ARGV[i + 1]), n = tonumber(ARGV[i + 2]), ring = tonumber(ARGV[i + 3]), nf = nf, vals = {} }
  for f = 1, nf do w.vals[f] = tonumber(ARGV[i + 4 + f]) end
  i = i + 5 + nf
  local nd = tonumber(ARGV[i])
  w.distinct = {}
  for d = 1, nd do w.distinct[d] = { ARGV[i + 2 * d - 1], ARGV[i + 2 * d] } end
  i = i + 1 + 2 * nd
  windows[#windows + 1] = w
  fields[#fields + 1] = w.name .. ':i'
end
local header = redis.call('HMGET', state, unpack(fields))
local maxT = tonumber(header[1] or '')
local late = maxT ~= nil and t < maxT - lateness
-- ZADD NX records the id and says whether it was already there, in one call.
local dup = false
if not late then dup = redis.call('ZADD', ids, 'NX', t, id) == 0 end
local apply = not late and not dup
local readT = t
if late then readT = maxT end
local out = { late and 1 or 0, dup and 1 or 0, maxT or nan }
local writes = {}
if apply then
  if maxT == nil or t > maxT then
    writes[#writes + 1] = 'maxT'
    writes[#writes + 1] = string.format('%.17g', t)
    if maxT ~= nil then redis.call('ZREMRANGEBYSCORE', ids, '-inf', '(' .. string.format('%.17g', t - keep)) end
  end
end
-- Pass 1: which buckets each window reads; all their slots in one HMGET.
local slots = {}
for wi, w in ipairs(windows) do
  local packed = header[wi + 1]
  local present = {}
  if packed then present = { sunpack('<' .. rep('d', #packed / 8), packed) } ; present[#present] = nil end
  local b = floor(t / w.size)
  local rb = floor(readT / w.size)
  local known, newest = false, b
  local inWindow = {}
  w.first = #slots + 1
  for k = 1, #present do
    local e = present[k]
    if e == b then known = true end
    if e > newest then newest = e end
    if e <= rb and e > rb - w.n then
      inWindow[#inWindow + 1] = e
      slots[#slots + 1] = w.name .. ':' .. (e % w.ring)
    end
  end
  w.present, w.b, w.known, w.newest, w.inWindow = present, b, known, newest, inWindow
end
local got = {}
if #slots > 0 then got = redis.call('HMGET', state, unpack(slots)) end
-- Pass 2: update the event's bucket, aggregate the window.
for _, w in ipairs(windows) do
  local nf, b, inWindow = w.nf, w.b, w.inWindow
  local width = 2 + 4 * nf
  local fmtw = '<' .. rep('d', width)
  local buckets = {}
  for k = 1, #inWindow do buckets[k] = { sunpack(fmtw, got[w.first + k - 1]) } end
  local fresh = apply and not w.known
  if apply then
    -- Not late: readT is t, so the event's bucket is in its window, among those just read unless new.
    local p
    if w.known then
      for k = 1, #inWindow do if inWindow[k] == b then p = buckets[k] end end
    else
      local kept = { b }
      for _, e in ipairs(w.present) do if e > w.newest - w.ring then kept[#kept + 1] = e end end
      writes[#writes + 1] = w.name .. ':i'
      writes[#writes + 1] = pack('<' .. rep('d', #kept), unpack(kept))
      p = { b, 0 }
      for f = 1, nf do p[3 + (f - 1) * 4], p[4 + (f - 1) * 4], p[5 + (f - 1) * 4], p[6 + (f - 1) * 4] = 0, 0, 0, 0 end
      buckets[#buckets + 1] = p
      inWindow[#inWindow + 1] = b
    end
    local first = p[2] == 0
    p[2] = p[2] + 1
    for f = 1, nf do
      local v, o = w.vals[f], 2 + (f - 1) * 4
      p[o + 1] = p[o + 1] + v
      p[o + 2] = p[o + 2] + v * v
      if first or v < p[o + 3] then p[o + 3] = v end
      if first or v > p[o + 4] then p[o + 4] = v end
    end
    writes[#writes + 1] = w.name .. ':' .. (b % w.ring)
    writes[#writes + 1] = pack(fmtw, unpack(p, 1, width))
  end
  local c = 0
  for _, p in ipairs(buckets) do c = c + p[2] end
  out[#out + 1] = c
  for f = 1, nf do
    local o = 2 + (f - 1) * 4
    local s, sq, mn, mx = 0, 0, nan, nan
    for k, p in ipairs(buckets) do
      s = s + p[o + 1]
      sq = sq + p[o + 2]
      if k == 1 or p[o + 3] < mn then mn = p[o + 3] end
      if k == 1 or p[o + 4] > mx then mx = p[o + 4] end
    end
    out[#out + 1] = s
    out[#out + 1] = sq
    out[#out + 1] = mn
    out[#out + 1] = mx
  end
  for _, d in ipairs(w.distinct) do
    local tag = hll .. w.name .. ':' .. d[1] .. ':'
    if apply then
      local key = tag .. (b % w.ring)
      -- A slot starting a new bucket drops the HLL of the bucket it held before.
      if fresh then redis.call('DEL', key) end
      redis.call('PFADD', key, d[2])
      redis.call('PEXPIRE', key, ttl)
    end
    local keys = {}
    for k = 1, #inWindow do keys[k] = tag .. (inWindow[k] % w.ring) end
    if #keys > 0 then out[#out + 1] = redis.call('PFCOUNT', unpack(keys)) else out[#out + 1] = 0 end
  end
end
if apply then
  redis.call('HSET', state, unpack(writes))
  redis.call('PEXPIRE', state, ttl)
  redis.call('PEXPIRE', ids, ttl)
end
return pack('<' .. rep('d', #out), unpack(out))
`;
