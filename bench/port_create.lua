-- wrk script of bench/port_bench.sh: every request is POST
-- /networking/v2.0/ports with the JSON body in $PORT_BENCH_BODY and the
-- token in $PORT_BENCH_TOKEN (both read at load time, before wrk formats its
-- request). It counts the answers by HTTP status and prints the counts at the
-- end ("status 201: N"), since wrk's own "Non-2xx" line would not tell a 200
-- from a 201.
local body = assert(os.getenv("PORT_BENCH_BODY"), "set PORT_BENCH_BODY to the request's body")
local token = assert(os.getenv("PORT_BENCH_TOKEN"), "set PORT_BENCH_TOKEN to a token")
wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Auth-Token"] = token

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + n
    end
  end
  local codes = {}
  for status in pairs(total) do table.insert(codes, status) end
  table.sort(codes)
  for _, status in ipairs(codes) do
    io.write(string.format("status %d: %d\n", status, total[status]))
  end
end
