#!/usr/bin/env bash
# Neutron ports over HTTP, on loopback only:
#  1. creation: POST /networking/v2.0/ports on one network with a /16
#     subnet (every port gets the next free address and a MAC) from wrk with
#     32 connections (bench/port_create.lua builds the POST and counts the
#     answers by status): ports/s, latency percentiles, the server's CPU per
#     created port;
#  2. listing: tops the project up to $PORTS ports (default 10,000) with
#     sequential POSTs from one curl process (one kept-alive connection),
#     checks the count with GET /ports, then the latency of GET /ports from
#     $GETS sequential curl requests (median, p90, response size) and from
#     wrk with 1 connection;
#  3. the server's resident memory (VmRSS) before the first port and with
#     all of them.
# The load average is printed before and after each phase.
# It builds nothing: $1 is the cumulo binary (default ./build/cumulo). The
# server runs on an ephemeral port of 127.0.0.1 in a fresh temp data dir
# with --sync normal; it is stopped with SIGTERM and the dir removed on exit.
# The admin's port quota (Neutron's default: 500) is lifted with
# PUT /quotas/{project_id} {"quota": {"port": -1}} first.
#
# Environment: DURATION (wrk seconds per run, default 10), THREADS (wrk
# threads of the creation run, default 2), CONNECTIONS (its connections,
# default 32), PORTS (ports to list, default 10000), GETS (sequential GETs,
# default 20), CUMULO_BENCH_DIR (where the temp dir goes, default the system
# temp dir). Needs wrk, curl and jq (Debian packages).
#
# Usage, from the repository root: bench/port_bench.sh [path/to/cumulo]
set -euo pipefail

name=port_bench
bin=${1:-./build/cumulo}
duration=${DURATION:-10}
threads=${THREADS:-2}
connections=${CONNECTIONS:-32}
ports_wanted=${PORTS:-10000}
gets=${GETS:-20}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lua=$here/port_create.lua

for tool in wrk curl jq; do
  command -v "$tool" >/dev/null || { echo "$name: $tool is not installed" >&2; exit 2; }
done
[[ -x $bin ]] || { echo "$name: $bin is not an executable (build it first)" >&2; exit 2; }
[[ -f $lua ]] || { echo "$name: $lua is missing" >&2; exit 2; }
# shellcheck source=bench_lib.sh
source "$here/bench_lib.sh"

echo "== cumulo port benchmark, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "binary: $bin"
echo "load before: $(uptime)"

# --- the server and one token, project-scoped ---
# --password-cost min: the admin's password hash is made at libsodium's
# minimum argon2id cost. That only makes the one login cheap (no 54 ms
# verify); nothing measured here hashes a password.
start_server --sync normal --password-cost min
net_url=$url/networking/v2.0
echo "token: ${#token} characters, project $project_id"

# call METHOD PATH [BODY] -> the body in $tmp/call.body, the status on stdout
call() {
  local args=(-sS -o "$tmp/call.body" -w '%{http_code}' -X "$1" -H "X-Auth-Token: $token")
  [[ $# -ge 3 ]] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
  curl "${args[@]}" "$net_url$2"
}
# expect WANTED METHOD PATH [BODY]: the call, or exit with what it answered
expect() {
  local wanted=$1 code
  shift
  code=$(call "$@")
  if [[ $code != "$wanted" ]]; then
    echo "$name: $1 $2 answered $code (wanted $wanted):" >&2
    cat "$tmp/call.body" >&2
    echo >&2
    exit 1
  fi
}
count_ports() {
  expect 200 GET /ports
  jq '.ports | length' "$tmp/call.body"
}

# --- the setup: no port quota, a network, a /16 subnet ---
expect 200 PUT "/quotas/$project_id" '{"quota": {"port": -1}}'
echo "PUT /quotas/$project_id: port quota $(jq -c '.quota.port' "$tmp/call.body")"
expect 201 POST /networks '{"network": {"name": "bench"}}'
network_id=$(jq -r '.network.id' "$tmp/call.body")
expect 201 POST /subnets "$(printf '{"subnet": {"network_id": "%s", "cidr": "10.0.0.0/16", "ip_version": 4}}' "$network_id")"
subnet_id=$(jq -r '.subnet.id' "$tmp/call.body")
port_body=$(printf '{"port": {"network_id": "%s"}}' "$network_id")
ports0=$(count_ports)
echo "network $network_id, subnet $subnet_id (10.0.0.0/16); ports before the run: $ports0"
rss0=$(server_rss)
echo "server RSS before the first port: $(mib "$rss0")"

summary=()

# --- 1. creation ---
echo
echo "== 1. create: wrk -t$threads -c$connections -d${duration}s --latency -s $lua POST $net_url/ports"
echo "load before: $(load)"
cpu0=$(server_cpu)
PORT_BENCH_BODY=$port_body PORT_BENCH_TOKEN=$token \
  wrk -t"$threads" -c"$connections" -d"${duration}s" --latency -s "$lua" "$net_url/ports" >"$tmp/wrk.out" 2>&1 || {
  cat "$tmp/wrk.out"
  echo "$name: wrk failed" >&2
  exit 1
}
cpu1=$(server_cpu)
cat "$tmp/wrk.out"
echo "load after: $(load)"
read -r rps p50 p75 p90 p99 n bad err < <(parse_wrk "$tmp/wrk.out")
created=$(awk '/^status 201:/ { print $3 }' "$tmp/wrk.out")
created=${created:-0}
# created ports per second of wrk's own elapsed time (" 7030 requests in 10.00s, ...")
ports_rate=$(awk -v c="$created" '/ requests in / { t = $4; sub(/,$/, "", t); u = t; gsub(/[0-9.]/, "", u); t += 0
  if (u == "ms") t /= 1000; else if (u == "m") t *= 60; printf "%.0f", c / t }' "$tmp/wrk.out")
others=$(awk '/^status / && $2 != "201:" { printf "%s%s %s", sep, $2, $3; sep = ", " }' "$tmp/wrk.out")
ports1=$(count_ports)
create_cores=$(awk -v a="$cpu0" -v b="$cpu1" -v d="$duration" 'BEGIN { printf "%.2f", (b - a) / d }')
create_cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$created" 'BEGIN { if (n > 0) printf "%.0f", (b - a) * 1e6 / n; else print "-" }')
echo "201 answers: $created of $n${others:+ (others: $others)}: $ports_rate ports/s; GET /ports now lists $ports1 (before: $ports0)"
echo "server CPU: $create_cores cores (user + sys / wall), $create_cpu µs per created port"
echo "server RSS: $(mib "$(server_rss)")"
summary+=("$(printf '%-28s %10s ports/s  p50 %-8s p75 %-8s p90 %-8s p99 %-8s  %s requests (%s/s), %s created (201), %s non-2xx, socket errors %s; server %s cores, %s µs CPU/port' \
  "create, wrk c$connections" "$ports_rate" "$p50" "$p75" "$p90" "$p99" "$n" "$rps" "$created" "$bad" "$err" "$create_cores" "$create_cpu")")
if [[ $bad != 0 || $created != "$n" ]]; then
  echo "$name: $((n - created)) answers were not 201${others:+ ($others)}" >&2
fi
# wrk drops the requests still in flight when it stops: the server may
# create up to one port per connection that wrk never saw answered.
extra=$((ports1 - ports0 - created))
if ((extra < 0 || extra > connections)); then
  echo "$name: GET /ports lists $ports1 ports, not $ports0 + $created" >&2
elif ((extra > 0)); then
  echo "($extra more ports than wrk saw 201s for: requests in flight when wrk stopped)"
fi

# --- 2. listing ---
echo
missing=$((ports_wanted - ports1))
if ((missing > 0)); then
  echo "== 2a. top-up: $missing sequential POST /ports from one curl process (one kept-alive connection)"
  echo "load before: $(load)"
  # one curl, one config entry per POST; "next" starts the next transfer
  {
    for i in $(seq "$missing"); do
      ((i > 1)) && echo next
      printf 'url = "%s/ports"\nrequest = "POST"\nheader = "X-Auth-Token: %s"\nheader = "Content-Type: application/json"\ndata-binary = "@%s"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n' \
        "$net_url" "$token" "$tmp/port.json"
    done
  } >"$tmp/topup.curl"
  printf '%s' "$port_body" >"$tmp/port.json"
  cpu0=$(server_cpu)
  start=$(date +%s.%N)
  curl -sS -K "$tmp/topup.curl" >"$tmp/topup.codes"
  end=$(date +%s.%N)
  cpu1=$(server_cpu)
  topup_ok=$(grep -c '^201$' "$tmp/topup.codes" || true)
  topup_rate=$(awk -v a="$start" -v b="$end" -v n="$missing" 'BEGIN { printf "%.0f", n / (b - a) }')
  topup_cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$topup_ok" 'BEGIN { if (n > 0) printf "%.0f", (b - a) * 1e6 / n; else print "-" }')
  echo "$topup_ok of $missing answered 201 in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s ($topup_rate/s, 1 connection); server CPU $topup_cpu µs per port"
  if [[ $topup_ok != "$missing" ]]; then
    echo "$name: top-up answers: $(sort "$tmp/topup.codes" | uniq -c | tr -s ' \n' ' ')" >&2
  fi
  echo "load after: $(load)"
  summary+=("$(printf '%-28s %s POSTs, %s answered 201, %s/s, server %s µs CPU/port' "top-up, sequential curl" "$missing" "$topup_ok" "$topup_rate" "$topup_cpu")")
else
  echo "== 2a. no top-up: wrk made $ports1 ports (at least $ports_wanted)"
fi
nports=$(count_ports)
echo "GET /ports lists $nports ports"
if ((nports < ports_wanted)); then
  echo "$name: only $nports ports, not $ports_wanted" >&2
  exit 1
fi
rss1=$(server_rss)
echo "server RSS with $nports ports: $(mib "$rss1") (before the first port: $(mib "$rss0"); $(awk -v a="${rss0%% *}" -v b="${rss1%% *}" -v n="$((nports - ports0))" 'BEGIN { printf "%.2f", (b - a) / n }') KiB per port)"

echo
echo "== 2b. list: $gets sequential GET /ports with $nports ports (curl, one connection each)"
echo "load before: $(load)"
: >"$tmp/get.times"
for _ in $(seq "$gets"); do
  read -r code t size < <(curl -sS -o /dev/null -w '%{http_code} %{time_total} %{size_download}\n' \
    -H "X-Auth-Token: $token" "$net_url/ports")
  if [[ $code != 200 ]]; then
    echo "$name: GET /ports answered $code" >&2
    exit 1
  fi
  echo "$t $size" >>"$tmp/get.times"
done
get_stats=$(sort -g "$tmp/get.times" | awk '
  { v[NR] = $1 * 1000; s += $1 * 1000; size = $2 }
  END {
    # nearest-rank percentiles
    p50 = v[int((NR * 50 + 99) / 100)]; p90 = v[int((NR * 90 + 99) / 100)]
    printf "median %.1f ms, p90 %.1f ms, mean %.1f ms, min %.1f ms, max %.1f ms (n=%d), body %.2f MB (%d bytes)", p50, p90, s / NR, v[1], v[NR], NR, size / 1e6, size
  }')
echo "$get_stats"
echo "load after: $(load)"
summary+=("$(printf '%-28s %s' "list $nports, sequential curl" "$get_stats")")

echo
echo "== 2c. list: wrk -t1 -c1 -d${duration}s --latency GET $net_url/ports ($nports ports)"
echo "load before: $(load)"
cpu0=$(server_cpu)
wrk -t1 -c1 -d"${duration}s" --latency -H "X-Auth-Token: $token" "$net_url/ports" >"$tmp/wrk.out" 2>&1 || {
  cat "$tmp/wrk.out"
  echo "$name: wrk failed" >&2
  exit 1
}
cpu1=$(server_cpu)
cat "$tmp/wrk.out"
echo "load after: $(load)"
read -r rps p50 p75 p90 p99 n bad err < <(parse_wrk "$tmp/wrk.out")
list_cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$n" 'BEGIN { if (n > 0) printf "%.1f", (b - a) * 1000 / n; else print "-" }')
echo "server CPU per GET: $list_cpu ms"
summary+=("$(printf '%-28s %10s req/s  p50 %-8s p75 %-8s p90 %-8s p99 %-8s  %s requests, %s non-2xx, socket errors %s; server %s ms CPU/GET' \
  "list $nports, wrk c1" "$rps" "$p50" "$p75" "$p90" "$p99" "$n" "$bad" "$err" "$list_cpu")")
[[ $bad == 0 ]] || echo "$name: $bad responses were not 2xx" >&2

# --- 3. memory ---
rss2=$(server_rss)
summary+=("$(printf '%-28s %s before the first port, %s with %s ports (%s after the GETs)' "server RSS" "$(mib "$rss0")" "$(mib "$rss1")" "$nports" "$(mib "$rss2")")")

stop_server
# the server's log has one line per request: "... POST /networking/v2.0/ports -> 201 (0.6 ms)"
server5xx=$(grep -cE ' -> 5[0-9][0-9] ' "$tmp/server.log" || true)
servererr=$(grep -cE '\] \[(warning|error|critical)\] ' "$tmp/server.log" || true)
summary+=("$(printf '%-28s %s requests answered 5xx, %s warning/error lines' "server log" "$server5xx" "$servererr")")
if [[ $server5xx != 0 || $servererr != 0 ]]; then
  echo "$name: the server's log has $server5xx 5xx answers and $servererr warning/error lines; the first:" >&2
  grep -E ' -> 5[0-9][0-9] |\] \[(warning|error|critical)\] ' "$tmp/server.log" | head -n5 >&2
fi
echo
echo "== summary ($(date -u '+%H:%M:%S UTC'); load now: $(load))"
printf '%s\n' "${summary[@]}"
