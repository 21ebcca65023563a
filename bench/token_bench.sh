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
# Needs wrk, curl and jq (Debian packages).
#
# Usage, from the repository root: bench/token_bench.sh [path/to/cumulo]
set -euo pipefail

name=token_bench
bin=${1:-./build/cumulo}
duration=${DURATION:-10}
threads=${THREADS:-2}
issues=${ISSUES:-50}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lua=$here/token_issue.lua

for tool in wrk curl jq; do
  command -v "$tool" >/dev/null || { echo "$name: $tool is not installed" >&2; exit 2; }
done
[[ -x $bin ]] || { echo "$name: $bin is not an executable (build it first)" >&2; exit 2; }
[[ -f $lua ]] || { echo "$name: $lua is missing" >&2; exit 2; }
# shellcheck source=bench_lib.sh
source "$here/bench_lib.sh"

echo "== cumulo token benchmark, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "binary: $bin"
echo "load before: $(uptime)"

# --- the server and one token, checked ---
# The server's default password cost (argon2id at libsodium's interactive
# cost): the issue runs below hash the admin's password as a real login does.
# --token-issue-rate 100000: this measures issue latency, not the per-client limit.
start_server --sync normal --token-issue-rate 100000
tokens_url=$url/v3/auth/tokens
echo "token: ${#token} characters"
for q in "" "?nocatalog"; do
  code=$(curl -sS -o "$tmp/validate.body" -w '%{http_code}' \
    -H "X-Auth-Token: $token" -H "X-Subject-Token: $token" "$tokens_url$q")
  if [[ $code != 200 ]]; then
    echo "$name: GET /v3/auth/tokens$q answered $code:" >&2
    cat "$tmp/validate.body" >&2
    exit 1
  fi
  echo "GET /v3/auth/tokens$q: 200, body $(wc -c <"$tmp/validate.body") bytes"
done

summary=()

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
    echo "$name: wrk failed" >&2
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
    echo "$name: $bad responses were not 2xx" >&2
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
    -H 'Content-Type: application/json' --data-binary @"$auth_json" "$tokens_url")
  if [[ $code != 201 ]]; then
    echo "$name: POST /v3/auth/tokens answered $code" >&2
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
TOKEN_BENCH_BODY=$auth_json run_wrk "issue, wrk c2" 2 -s "$lua" "$tokens_url"

stop_server
echo
echo "== summary ($(date -u '+%H:%M:%S UTC'); load now: $(load))"
printf '%s\n' "${summary[@]}"
