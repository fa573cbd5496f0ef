-- wrk script of the request-poll benchmark: POSTs calls of the "echo" job with unique request ids and a wait long
-- enough for a 200 (the answer in the POST's response). Arguments (after --): <job> <api key> <run nonce>.
-- done() prints machine-readable lines: REQUESTS, DURATION_US, NON200, P50_US, P90_US, P99_US, MAX_US.
local threads = {}
local counter = 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  job, key, nonce = args[1], args[2], args[3]
  non200 = 0
  math.randomseed(os.time() * 1000 + tid)
  prefix = nonce .. "-" .. tid .. "-" .. math.random(1, 2147483647) .. "-"
  path = "/api/jobs/" .. job .. "/requests?wait=10000"
  headers = { ["Content-Type"] = "application/json", ["X-Api-Key"] = key }
end

function request()
  counter = counter + 1
  local id = prefix .. counter
  local body = '{"key":"k' .. (counter % 1000) .. '","requestId":"r-' .. id .. '","data":{"n":' .. counter .. '}}'
  return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non200")
  end
  io.write(string.format("REQUESTS %d\n", summary.requests))
  io.write(string.format("DURATION_US %d\n", summary.duration))
  io.write(string.format("NON200 %d\n", bad))
  io.write(string.format("ERRORS %d\n", summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
  for _, p in ipairs({ 50, 90, 99 }) do
    io.write(string.format("P%d_US %d\n", p, latency:percentile(p)))
  end
  io.write(string.format("MAX_US %d\n", latency.max))
end
