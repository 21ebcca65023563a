-- wrk script of bench/token_bench.sh: every request is POST /v3/auth/tokens
-- with the JSON body read from the file named by $TOKEN_BENCH_BODY (read at
-- load time, before wrk formats its request).
local path = assert(os.getenv("TOKEN_BENCH_BODY"), "set TOKEN_BENCH_BODY to the body's file")
local f = assert(io.open(path, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
wrk.headers["Content-Type"] = "application/json"
f:close()
