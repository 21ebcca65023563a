#!/usr/bin/env bash
# Identity tokens over HTTP, on loopback only:
#  - validation (GET /v3/auth/tokens, X-Auth-Token = X-Subject-Token = one
#    admin token) under load from wrk: requests/s and latency percentiles,
#    with the catalog and with ?nocatalog, at 64 and 16 connections;
#  - issue (POST /v3/auth/tokens, password method, project scope): latency
#    of sequential POSTs from curl (median, p90), then wrk with 2
#    connections (bench/token_issue.lua builds the POST).
# It builds nothing: $1 is the cumulo binary (default ./build/cumulo). The
# server runs on an ephemeral port of 127.0.0.1 in a fresh temp data dir
# with --sync normal; it is stopped with SIGTERM and the dir removed on exit.
#
# Environment: DURATION (wrk seconds per run, default 10), THREADS (wrk
# threads, default 2), ISSUES (sequential POSTs, default 50),
# CUMULO_BENCH_DIR (where the temp dir goes, default the system temp dir).
# Needs wrk and curl (Debian packages).
#
# Usage, from the repository root: bench/token_bench.sh [path/to/cumulo]
set -euo pipefail

bin=${1:-./build/cumulo}
duration=${DURATION:-10}
threads=${THREADS:-2}
issues=${ISSUES:-50}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lua=$here/token_issue.lua

for tool in wrk curl; do
  command -v "$tool" >/dev/null || { echo "token_bench: $tool is not installed" >&2; exit 2; }
done
[[ -x $bin ]] || { echo "token_bench: $bin is not an executable (build it first)" >&2; exit 2; }
[[ -f $lua ]] || { echo "token_bench: $lua is missing" >&2; exit 2; }

tmp=$(mktemp -d "${CUMULO_BENCH_DIR:-${TMPDIR:-/tmp}}/cumulo-token-bench-XXXXXX")
server_pid=

stop_server() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$server_pid" 2>/dev/null; then
      echo "token_bench: the server did not stop within 10 s of SIGTERM; killing it" >&2
      kill -KILL "$server_pid" 2>/dev/null || true
    fi
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=
}
cleanup() {
  stop_server
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

password="bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
body=$(printf '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"name":"Default"},"password":"%s"}}},"scope":{"project":{"name":"admin","domain":{"name":"Default"}}}}}' "$password")
printf '%s' "$body" >"$tmp/auth.json"

echo "== cumulo token benchmark, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "binary: $bin"
echo "load before: $(uptime)"

# --- the server ---
"$bin" serve --data-dir "$tmp/data" --listen 127.0.0.1:0 --admin-password "$password" \
  --sync normal >"$tmp/server.log" 2>&1 &
server_pid=$!
url=
for _ in $(seq 300); do
  url=$(sed -n 's|.*cumulo serving on \(http://127\.0\.0\.1:[0-9]*\).*|\1|p' "$tmp/server.log" | head -n1)
  [[ -n $url ]] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [[ -z $url ]]; then
  echo "token_bench: the server did not start; its output:" >&2
  cat "$tmp/server.log" >&2
  exit 1
fi
echo "server: $url (pid $server_pid, data dir $tmp/data, --sync normal)"
tokens_url=$url/v3/auth/tokens

clk_tck=$(getconf CLK_TCK)
# The server's CPU time so far (user + sys), in seconds.
server_cpu() {
  awk -v hz="$clk_tck" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$server_pid/stat"
}

# --- one token, checked ---
code=$(curl -sS -o "$tmp/issue.body" -D "$tmp/issue.headers" -w '%{http_code}' \
  -H 'Content-Type: application/json' --data-binary @"$tmp/auth.json" "$tokens_url")
token=$(tr -d '\r' <"$tmp/issue.headers" | sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: *//p' | head -n1)
if [[ $code != 201 || -z $token ]]; then
  echo "token_bench: POST /v3/auth/tokens answered $code without a token:" >&2
  cat "$tmp/issue.body" >&2
  exit 1
fi
echo "token: ${#token} characters"
for q in "" "?nocatalog"; do
  code=$(curl -sS -o "$tmp/validate.body" -w '%{http_code}' \
    -H "X-Auth-Token: $token" -H "X-Subject-Token: $token" "$tokens_url$q")
  if [[ $code != 200 ]]; then
    echo "token_bench: GET /v3/auth/tokens$q answered $code:" >&2
    cat "$tmp/validate.body" >&2
    exit 1
  fi
  echo "GET /v3/auth/tokens$q: 200, body $(wc -c <"$tmp/validate.body") bytes"
done

summary=()

# wrk's output -> "req/s p50 p75 p90 p99 requests non2xx errors" (latencies
# as wrk prints them, with their units).
parse_wrk() {
  awk '
    /Requests\/sec:/ { rps = $2 }
    /^ +50%/ { p50 = $2 } /^ +75%/ { p75 = $2 } /^ +90%/ { p90 = $2 } /^ +99%/ { p99 = $2 }
    / requests in / { n = $1 }
    /Non-2xx or 3xx responses:/ { bad = $NF }
    /Socket errors:/ { sub(/^.*Socket errors: */, ""); err = $0 }
    END { printf "%s %s %s %s %s %s %s %s\n", rps, p50, p75, p90, p99, n, bad + 0, (err == "" ? "none" : err) }
  ' "$1"
}

# run_wrk LABEL CONNECTIONS [wrk args...]
run_wrk() {
  local label=$1 conns=$2
  shift 2
  local out=$tmp/wrk.out cpu0 cpu1
  echo
  echo "== $label: wrk -t$threads -c$conns -d${duration}s --latency ${*//$token/T}"
  cpu0=$(server_cpu)
  wrk -t"$threads" -c"$conns" -d"${duration}s" --latency "$@" >"$out" 2>&1 || {
    cat "$out"
    echo "token_bench: wrk failed" >&2
    exit 1
  }
  cpu1=$(server_cpu)
  cat "$out"
  local server_cores
  server_cores=$(awk -v a="$cpu0" -v b="$cpu1" -v d="$duration" 'BEGIN { printf "%.2f", (b - a) / d }')
  echo "server CPU during the run: $server_cores cores (user + sys / wall)"
  echo "load after: $(uptime)"
  read -r rps p50 p75 p90 p99 n bad err < <(parse_wrk "$out")
  summary+=("$(printf '%-34s %10s req/s  p50 %-8s p75 %-8s p90 %-8s p99 %-8s  %s requests, %s non-2xx, server %s cores' \
    "$label" "$rps" "$p50" "$p75" "$p90" "$p99" "$n" "$bad" "$server_cores")")
  if [[ $bad != 0 ]]; then
    echo "token_bench: $bad responses were not 2xx" >&2
  fi
}

auth_headers=(-H "X-Auth-Token: $token" -H "X-Subject-Token: $token")

# --- validation ---
run_wrk "validate, catalog, c64" 64 "${auth_headers[@]}" "$tokens_url"
run_wrk "validate, ?nocatalog, c64" 64 "${auth_headers[@]}" "$tokens_url?nocatalog"
run_wrk "validate, catalog, c16" 16 "${auth_headers[@]}" "$tokens_url"
run_wrk "validate, ?nocatalog, c16" 16 "${auth_headers[@]}" "$tokens_url?nocatalog"

# --- issue, sequential ---
echo
echo "== issue: $issues sequential POST /v3/auth/tokens (curl, one connection each)"
: >"$tmp/issue.times"
cpu0=$(server_cpu)
start=$(date +%s.%N)
for _ in $(seq "$issues"); do
  read -r code t < <(curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' \
    -H 'Content-Type: application/json' --data-binary @"$tmp/auth.json" "$tokens_url")
  if [[ $code != 201 ]]; then
    echo "token_bench: POST /v3/auth/tokens answered $code" >&2
    exit 1
  fi
  echo "$t" >>"$tmp/issue.times"
done
end=$(date +%s.%N)
cpu1=$(server_cpu)
issue_stats=$(sort -g "$tmp/issue.times" | awk '
  { v[NR] = $1 * 1000; s += $1 * 1000 }
  END {
    # nearest-rank percentiles
    p50 = v[int((NR * 50 + 99) / 100)]; p90 = v[int((NR * 90 + 99) / 100)]
    printf "median %.1f ms, p90 %.1f ms, mean %.1f ms, min %.1f ms, max %.1f ms (n=%d)", p50, p90, s / NR, v[1], v[NR], NR
  }')
issue_cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$issues" 'BEGIN { printf "%.1f", (b - a) * 1000 / n }')
echo "$issue_stats"
echo "server CPU per issue: $issue_cpu ms (user + sys; wall for the loop $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s)"
echo "load after: $(uptime)"
summary+=("$(printf '%-34s %s, server CPU %s ms/issue' "issue, sequential curl" "$issue_stats" "$issue_cpu")")

# --- issue, 2 connections ---
TOKEN_BENCH_BODY=$tmp/auth.json run_wrk "issue, wrk c2" 2 -s "$lua" "$tokens_url"

stop_server
echo
echo "== summary ($(date -u '+%H:%M:%S UTC'); load now: $(uptime | sed 's/.*load average: //'))"
printf '%s\n' "${summary[@]}"
