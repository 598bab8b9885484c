-- The load of `npm run bench:feature` part (c) for wrk (a load generator in C: on this 2-core
-- machine it takes a fraction of the CPU autocannon does, and that CPU is not the server's).
-- Closed loop like autocannon: each connection sends its next request when it has an answer.
-- Environment: SERVING_MODE get|batch, SERVING_CARDS (entities card-0 .. card-<n-1>), SERVING_BATCH.
-- Prints one JSON line of its figures (latencies in microseconds) when the run is done.
local mode = os.getenv("SERVING_MODE") or "get"
local cards = tonumber(os.getenv("SERVING_CARDS") or "5000")
local batch = tonumber(os.getenv("SERVING_BATCH") or "10")

local function card()
  return "card-" .. math.random(0, cards - 1)
end

request = function()
  if mode == "get" then
    return wrk.format("GET", "/v1/features/" .. card())
  end
  local ids = {}
  for i = 1, batch do
    ids[i] = '"' .. card() .. '"'
  end
  local body = '{"entities":[' .. table.concat(ids, ",") .. "]}"
  return wrk.format("POST", "/v1/features:batchGet", { ["Content-Type"] = "application/json" }, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d,"non2xx":%d,"errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout))
end
