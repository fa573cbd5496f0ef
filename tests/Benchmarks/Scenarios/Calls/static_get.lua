-- wrk script of the baseline: GETs a static endpoint; done() prints the same machine-readable lines as request_poll.lua.
function done(summary, latency, requests)
  io.write(string.format("REQUESTS %d\n", summary.requests))
  io.write(string.format("DURATION_US %d\n", summary.duration))
  io.write(string.format("NON200 %d\n", summary.errors.status))
  io.write(string.format("ERRORS %d\n", summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
  for _, p in ipairs({ 50, 90, 99 }) do
    io.write(string.format("P%d_US %d\n", p, latency:percentile(p)))
  end
  io.write(string.format("MAX_US %d\n", latency.max))
end
