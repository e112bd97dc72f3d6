-- wrk script for `lucky bench-load`: POST /v1/ask with bodies read from a file (one JSON body per line).
-- Arguments after `--`: <bodies file> <start index or "random">. The API key comes from LUCKY_BENCH_KEY.
-- Counts per thread what wrk does not: 5xx responses, answered questions, result-cache hits.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bodies = {}
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
  if args[2] == "random" then
    math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
    i = math.random(#bodies)
  else
    i = tonumber(args[2] or "0")
  end
  headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("LUCKY_BENCH_KEY")}
  s5xx, s4xx, ok, answered, hits, wrapped = 0, 0, 0, 0, 0, 0
end

function request()
  i = i + 1
  if i > #bodies then i = 1; wrapped = wrapped + 1 end
  return wrk.format("POST", "/v1/ask", headers, bodies[i])
end

function response(status, hdrs, body)
  if status >= 500 then s5xx = s5xx + 1
  elseif status >= 400 then s4xx = s4xx + 1
  else
    ok = ok + 1
    if string.find(body, '"status":"answer"', 1, true) then answered = answered + 1 end
    if string.find(body, '"cache_hit":1.0', 1, true) then hits = hits + 1 end
  end
end

function done(summary, latency, requests)
  local t = {s5xx = 0, s4xx = 0, ok = 0, answered = 0, hits = 0, wrapped = 0}
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + (thread:get(k) or 0) end
  end
  io.write(string.format(
    'LUCKY_RESULT {"requests": %d, "duration_us": %d, "socket_errors": %d, "timeouts": %d, ' ..
    '"s5xx": %d, "s4xx": %d, "ok": %d, "answered": %d, "cache_hits": %d, "wrapped": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout,
    t.s5xx, t.s4xx, t.ok, t.answered, t.hits, t.wrapped,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
