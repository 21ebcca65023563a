#!/usr/bin/env bash
# Nova's servers API over HTTP, on loopback only (targets from the issue:
# median launch -> ACTIVE at most 10 ms; at least 1,000 launches/s
# sustained; GET /servers/detail?limit=1000 with 10,000 servers at most
# 30 ms median):
#  1. latency, one at a time: $SEQ launches (default 200), each
#     POST /compute/v2.1/servers then GET /servers/{id} until ACTIVE (or
#     ERROR, counted): median/p90/p99 of launch -> ACTIVE;
#  2. $INFLIGHT launches in flight (default 64) until $CONC (default 2,000)
#     have gone ACTIVE: launches/s sustained, latency percentiles;
#  3. fill: POST /servers with min_count = max_count = $BATCH (default 100)
#     until the project has $SERVERS servers (default 10,000), then wait
#     until none is in BUILD;
#  4-5. listing with them: wrk -t1 -c1 on GET /servers/detail?limit=1000 and
#     GET /servers?limit=1000: median/p90/p99, req/s, the body's size, the
#     server's CPU per request; its RSS before the first server and with all;
#  6. with those servers: $NET_SEQ launches one at a time (default 200;
#     0 skips 6) without a network, then on one network with a 10.0.0.0/16
#     subnet (a port each; Neutron's port quota lifted), then $NET_CONC
#     (default 1,000) on it with $INFLIGHT in flight.
# The load average is printed before and after each phase.
# The timing loops (1-3, 6) are bench/server_launch.py (Python 3, stdlib only:
# one kept-alive http.client connection per thread, time.perf_counter):
# polling from curl would cost a process start (~5 ms) per GET.
# Every server boots from a 4 KiB qcow2 "cirros" image with the flavor
# b.tiny (1 vCPU, 64 MB, 1 GB), with "networks": "none" (compute API
# microversion 2.37), on 4 hosts big enough for all of them (a hosts file:
# 100,000 vCPUs, 100,000,000 MB, 10,000,000 GB each). The admin project's
# compute quota is lifted first (PUT /os-quota-sets/{project_id}
# instances, cores and ram -1).
# It builds nothing: $1 is the cumulo binary (default ./build/cumulo). The
# server runs on an ephemeral port of 127.0.0.1 in a fresh temp data dir
# with --sync normal --password-cost min; it is stopped with SIGTERM and the
# dir removed on exit (the last 50 lines of its log are printed first if it
# logged 5xx answers or warnings).
#
# Environment: SEQ, CONC, INFLIGHT, SERVERS, BATCH, NET_SEQ, NET_CONC
# (above), POLL_MS (a pause between two polls of one launch, default 0:
# none; 5 did not raise the launches/s of 2 on 2 cores),
# DURATION (wrk seconds per listing run, default 10), KEEP_LOG (a
# file to copy the server's log to before the temp dir goes),
# CUMULO_BENCH_DIR (where the temp dir goes, default the system temp dir).
# Needs wrk, curl, jq and python3.
#
# Usage, from the repository root: bench/server_bench.sh [path/to/cumulo]
set -euo pipefail

name=server_bench
bin=${1:-./build/cumulo}
seq_n=${SEQ:-200}
conc_n=${CONC:-2000}
inflight=${INFLIGHT:-64}
servers_wanted=${SERVERS:-10000}
batch=${BATCH:-100}
duration=${DURATION:-10}
net_seq=${NET_SEQ:-200}
net_conc=${NET_CONC:-1000}
poll_ms=${POLL_MS:-0}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
py=$here/server_launch.py

for tool in wrk curl jq python3; do
  command -v "$tool" >/dev/null || { echo "$name: $tool is not installed" >&2; exit 2; }
done
[[ -x $bin ]] || { echo "$name: $bin is not an executable (build it first)" >&2; exit 2; }
[[ -f $py ]] || { echo "$name: $py is missing" >&2; exit 2; }
# shellcheck source-path=SCRIPTDIR source=bench_lib.sh
source "$here/bench_lib.sh"

echo "== cumulo server benchmark, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "binary: $bin (modified $(date -u -r "$bin" '+%Y-%m-%d %H:%M:%S UTC')); $(nproc) cores"
echo "load before: $(uptime)"

# --- the server: 4 hosts that hold all the servers, one token ---
# --password-cost min: the admin's password hash is made at libsodium's
# minimum argon2id cost. That only makes the one login cheap; nothing
# measured here hashes a password.
for i in 1 2 3 4; do
  echo "big-$i 100000 100000000 10000000"
done >"$tmp/hosts"
start_server --sync normal --password-cost min --hosts-file "$tmp/hosts"
echo "token: ${#token} characters, project $project_id; hosts: $(awk '{ printf "%s%s", sep, $1; sep = ", " }' "$tmp/hosts") (100,000 vCPUs, 100,000,000 MB, 10,000,000 GB each)"

# --- the setup: no compute quota, a flavor, an image ---
setup_compute
export BENCH_URL=$url BENCH_TOKEN=$token BENCH_FLAVOR=$flavor_id BENCH_IMAGE=$image_id BENCH_NETWORKS=none BENCH_POLL_MS=$poll_ms
rss0=$(server_rss)
echo "server RSS before the first server: $(mib "$rss0")"

summary=()
loads=()
# result KEY FILE: the value of KEY= on the "result" line of a server_launch.py output
result() { sed -n 's/^result .*\<'"$1"'=\([^ ]*\).*/\1/p' "$2" | tail -n1; }
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# phase TITLE SUMMARY_LABEL -- py args: runs server_launch.py with the
# loads and the server's CPU around it; output in $tmp/phase.out
phase_py() {
  local label=$1 l0 l1
  shift
  l0=$(load)
  echo "load before: $l0"
  cpu0=$(server_cpu)
  t0=$(date +%s.%N)
  python3 "$py" "$@" | tee "$tmp/phase.out"
  phase_s=$(elapsed "$t0")
  cpu1=$(server_cpu)
  l1=$(load)
  echo "load after: $l1 (phase: $phase_s s, server CPU $(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.2f", b - a }') s)"
  loads+=("$(printf '%-30s before %s; after %s; %s s' "$label" "$l0" "$l1" "$phase_s")")
}

# --- 1. one at a time ---
echo
echo "== 1. latency: $seq_n launches one at a time (POST /servers, GET /servers/{id} until ACTIVE; one connection)"
phase_py "1. sequential" seq "$seq_n"
o=$tmp/phase.out
cpu_per=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$(result ok "$o")" 'BEGIN { if (n > 0) printf "%.0f", (b - a) * 1e6 / n; else print "-" }')
echo "server CPU per launch (with its polls): $cpu_per µs"
summary+=("$(printf '%-30s %s/%s ACTIVE, %s ERROR, bad HTTP %s; launch->ACTIVE p50 %s ms  p90 %s ms  p99 %s ms  max %s ms (target p50 <= 10 ms); %s/s; server %s µs CPU/launch' \
  "launch, 1 at a time" "$(result ok "$o")" "$seq_n" "$(result errors "$o")" "$(result bad "$o")" "$(result p50 "$o")" "$(result p90 "$o")" "$(result p99 "$o")" "$(result max "$o")" "$(result rate "$o")" "$cpu_per")")

# --- 2. in flight ---
echo
echo "== 2. throughput: $conc_n launches, $inflight in flight (each thread: its own connection, POST then GET until ACTIVE)"
phase_py "2. $inflight in flight" conc "$conc_n" "$inflight"
o=$tmp/phase.out
wall=$(result wall "$o")
cores=$(awk -v a="$cpu0" -v b="$cpu1" -v w="$wall" 'BEGIN { printf "%.2f", (b - a) / w }')
cpu_per=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$(result ok "$o")" 'BEGIN { if (n > 0) printf "%.0f", (b - a) * 1e6 / n; else print "-" }')
echo "server CPU: $cores cores, $cpu_per µs per launch (with its polls)"
client_cores=$(awk -v c="$(result client_cpu "$o")" -v w="$wall" 'BEGIN { printf "%.2f", c / w }')
summary+=("$(printf '%-30s %s/%s ACTIVE, %s ERROR, bad HTTP %s; %s launches/s (target >= 1000); launch->ACTIVE p50 %s ms  p90 %s ms  p99 %s ms  max %s ms; server %s cores, %s µs CPU/launch; client %s cores' \
  "launch, $inflight in flight" "$(result ok "$o")" "$conc_n" "$(result errors "$o")" "$(result bad "$o")" "$(result rate "$o")" "$(result p50 "$o")" "$(result p90 "$o")" "$(result p99 "$o")" "$(result max "$o")" "$cores" "$cpu_per" "$client_cores")")

# --- 3. fill ---
echo
echo "== 3. fill: POST /servers with min_count = max_count = $batch (one connection) up to $servers_wanted servers, then wait until none is in BUILD"
phase_py "3. fill to $servers_wanted" fill "$servers_wanted" "$batch"
o=$tmp/phase.out
nservers=$(result total "$o")
cpu_per=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$(result made "$o")" 'BEGIN { if (n > 0) printf "%.0f", (b - a) * 1e6 / n; else print "-" }')
echo "server CPU per server: $cpu_per µs"
summary+=("$(printf '%-30s %s servers made (%s/s overall: POSTs %s s, then out of BUILD %s s later); now %s: %s ACTIVE, %s BUILD, %s ERROR; bad HTTP %s; server %s µs CPU/server' \
  "fill, batches of $batch" "$(result made "$o")" "$(result rate "$o")" "$(result post_s "$o")" "$(result settle_s "$o")" "$nservers" "$(result active "$o")" "$(result build "$o")" "$(result error "$o")" "$(result bad "$o")" "$cpu_per")")
if ((nservers < servers_wanted)); then
  echo "$name: only $nservers servers, not $servers_wanted" >&2
  exit 1
fi
rss1=$(server_rss)
echo "server RSS with $nservers servers: $(mib "$rss1") (before the first: $(mib "$rss0"); $(awk -v a="${rss0%% *}" -v b="${rss1%% *}" -v n="$nservers" 'BEGIN { printf "%.2f", (b - a) / n }') KiB per server)"

# --- 4. listing ---
n=4
for path in "servers/detail?limit=1000" "servers?limit=1000"; do
  echo
  bytes=$(curl -sS -o "$tmp/list.body" -w '%{size_download}' -H "X-Auth-Token: $token" \
    -H 'OpenStack-API-Version: compute 2.37' "$compute/$path")
  listed=$(jq '.servers | length' "$tmp/list.body")
  echo "== $n. list: wrk -t1 -c1 -d${duration}s --latency GET $compute/$path ($nservers servers; one page: $listed servers, $bytes bytes)"
  l0=$(load)
  echo "load before: $l0"
  t0=$(date +%s.%N)
  cpu0=$(server_cpu)
  wrk -t1 -c1 -d"${duration}s" --latency -H "X-Auth-Token: $token" -H 'OpenStack-API-Version: compute 2.37' \
    "$compute/$path" >"$tmp/wrk.out" 2>&1 || {
    cat "$tmp/wrk.out"
    echo "$name: wrk failed" >&2
    exit 1
  }
  cpu1=$(server_cpu)
  cat "$tmp/wrk.out"
  l1=$(load)
  echo "load after: $l1"
  loads+=("$(printf '%-30s before %s; after %s; %s s' "$n. GET /${path%%\?*}" "$l0" "$l1" "$(elapsed "$t0")")")
  read -r rps p50 _ p90 p99 nreq bad err < <(parse_wrk "$tmp/wrk.out")
  list_cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$nreq" 'BEGIN { if (n > 0) printf "%.1f", (b - a) * 1000 / n; else print "-" }')
  echo "server CPU per GET: $list_cpu ms"
  target=
  [[ $path == servers/detail* ]] && target=" (target p50 <= 30 ms)"
  summary+=("$(printf '%-30s %8s req/s  p50 %-8s p90 %-8s p99 %-8s%s  %s requests, %s non-2xx, socket errors %s; %s servers, %s bytes a page; server %s ms CPU/GET' \
    "GET /$path" "$rps" "$p50" "$p90" "$p99" "$target" "$nreq" "$bad" "$err" "$listed" "$bytes" "$list_cpu")")
  [[ $bad == 0 ]] || echo "$name: $bad responses were not 2xx" >&2
  n=$((n + 1))
done

rss2=$(server_rss)

# --- 6. launches with 10,000 servers, without and with a port ---
if ((net_seq > 0)); then
  echo
  echo "== 6a. latency with $nservers servers: $net_seq launches one at a time, no network (as 1)"
  phase_py "6a. sequential at $nservers" seq "$net_seq"
  o=$tmp/phase.out
  summary+=("$(printf '%-30s %s/%s ACTIVE, %s ERROR, bad HTTP %s; launch->ACTIVE p50 %s ms  p90 %s ms  p99 %s ms  max %s ms; %s/s' \
    "launch at $nservers, 1 at a time" "$(result ok "$o")" "$net_seq" "$(result errors "$o")" "$(result bad "$o")" "$(result p50 "$o")" "$(result p90 "$o")" "$(result p99 "$o")" "$(result max "$o")" "$(result rate "$o")")")

  net_url=$url/networking/v2.0
  expect 200 PUT "$net_url/quotas/$project_id" '{"quota": {"port": -1}}'
  expect 201 POST "$net_url/networks" '{"network": {"name": "bench"}}'
  network_id=$(jq -r '.network.id' "$tmp/call.body")
  expect 201 POST "$net_url/subnets" "$(printf '{"subnet": {"network_id": "%s", "cidr": "10.0.0.0/16", "ip_version": 4}}' "$network_id")"
  echo
  echo "== 6b. latency with a port: $net_seq launches one at a time on network $network_id (10.0.0.0/16; port quota lifted)"
  BENCH_NETWORKS=$network_id phase_py "6b. sequential, a port each" seq "$net_seq"
  o=$tmp/phase.out
  summary+=("$(printf '%-30s %s/%s ACTIVE, %s ERROR, bad HTTP %s; launch->ACTIVE p50 %s ms  p90 %s ms  p99 %s ms  max %s ms; %s/s' \
    "launch + port, 1 at a time" "$(result ok "$o")" "$net_seq" "$(result errors "$o")" "$(result bad "$o")" "$(result p50 "$o")" "$(result p90 "$o")" "$(result p99 "$o")" "$(result max "$o")" "$(result rate "$o")")")
  echo
  echo "== 6c. throughput with a port: $net_conc launches, $inflight in flight, on the same network"
  BENCH_NETWORKS=$network_id phase_py "6c. $inflight in flight, a port" conc "$net_conc" "$inflight"
  o=$tmp/phase.out
  summary+=("$(printf '%-30s %s/%s ACTIVE, %s ERROR, bad HTTP %s; %s launches/s; launch->ACTIVE p50 %s ms  p90 %s ms  p99 %s ms  max %s ms' \
    "launch + port, $inflight in flight" "$(result ok "$o")" "$net_conc" "$(result errors "$o")" "$(result bad "$o")" "$(result rate "$o")" "$(result p50 "$o")" "$(result p90 "$o")" "$(result p99 "$o")" "$(result max "$o")")")
fi

summary+=("$(printf '%-30s %s before the first server, %s with %s servers (%s after the GETs)' "server RSS" "$(mib "$rss0")" "$(mib "$rss1")" "$nservers" "$(mib "$rss2")")")

stop_server
[[ -z ${KEEP_LOG:-} ]] || cp "$tmp/server.log" "$KEEP_LOG"
# the server's log has one line per request: "... POST /compute/v2.1/servers -> 202 (0.6 ms)"
server5xx=$(grep -cE ' -> 5[0-9][0-9] ' "$tmp/server.log" || true)
servererr=$(grep -cE '\] \[(warning|error|critical)\] ' "$tmp/server.log" || true)
summary+=("$(printf '%-30s %s requests answered 5xx, %s warning/error lines, %s lines' "server log" "$server5xx" "$servererr" "$(wc -l <"$tmp/server.log")")")
if [[ $server5xx != 0 || $servererr != 0 ]]; then
  echo "$name: the server's log has $server5xx 5xx answers and $servererr warning/error lines; the first:" >&2
  grep -E ' -> 5[0-9][0-9] |\] \[(warning|error|critical)\] ' "$tmp/server.log" | head -n5 >&2
  echo "$name: its last 50 lines:" >&2
  tail -n50 "$tmp/server.log" >&2
fi
echo
echo "== summary ($(date -u '+%H:%M:%S UTC'); load now: $(load))"
printf '%s\n' "${summary[@]}"
echo "-- load averages (1, 5, 15 min) around each phase"
printf '%s\n' "${loads[@]}"
