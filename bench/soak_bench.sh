#!/usr/bin/env bash
# A soak of `cumulo serve` on loopback (issue 22): WORKERS clients (default
# 8) make a mixed round of requests for DURATION seconds (default 600):
# tokens, networks, subnets, ports, servers, images with data, lists,
# deletes (bench/soak_load.py). Each round deletes what it made, so the
# cloud's size stays flat: what changes is only its age.
# Targets: the requests completed in the last minute at least 0.8 of the
# first minute's; the server's RSS once everything is deleted at most 1.5x
# its RSS before the load; 0 errors.
# It builds nothing: $1 is the cumulo binary (default ./build/cumulo). The
# server runs on an ephemeral port of 127.0.0.1 in a fresh temp data dir
# (--sync normal --password-cost min), stopped with SIGTERM on exit.
set -euo pipefail
name=soak_bench
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-./build/cumulo}
export DURATION=${DURATION:-600} WORKERS=${WORKERS:-8}
for tool in curl jq python3; do
  command -v "$tool" >/dev/null || { echo "$name: $tool is not installed" >&2; exit 2; }
done
[[ -x $bin ]] || { echo "$name: $bin is not an executable (build it first)" >&2; exit 2; }
# shellcheck source-path=SCRIPTDIR source=bench_lib.sh
source "$here/bench_lib.sh"

echo "== cumulo soak, $(date -u '+%Y-%m-%d %H:%M:%S UTC'): $WORKERS clients for $DURATION s"
echo "binary: $bin (modified $(date -u -r "$bin" '+%Y-%m-%d %H:%M:%S UTC')); $(nproc) cores; load $(load)"
# --token-issue-rate 1000: the 8 clients log in every round, more than the
# per-client default allows from one address; the soak is about the
# server's age, not that limit.
start_server --sync normal --password-cost min --token-issue-rate 1000
setup_compute
export BENCH_URL=$url BENCH_TOKEN=$token BENCH_AUTH_JSON=$auth_json BENCH_FLAVOR=$flavor_id BENCH_IMAGE=$image_id
rss_before=$(server_rss)
anon_before=$(server_rss_anon)
cpu_before=$(server_cpu)
echo "RSS before the load: $(mib "$rss_before") (private: $(mib "$anon_before"))"
python3 "$here/soak_load.py" | tee "$tmp/load.out"
echo "load after: $(load); server CPU during the soak: $(awk -v a="$cpu_before" -v b="$(server_cpu)" 'BEGIN { printf "%.1f s", b - a }')"
# Everything the rounds made is deleted by them; give the last deletes a moment.
sleep 2
rss_at_end=$(server_rss)
left=$(curl -sS -H "X-Auth-Token: $token" "$url/compute/v2.1/servers?all_tenants=1" | jq '.servers | length')
echo "RSS after everything is deleted ($left servers left): $(mib "$rss_at_end")"
# The load's last minute still holds its requests' timers (CAF keeps a
# request's timeout until it is due: 60 s for the conductor's and the
# journal's waits), freed by then; the verdict is on the RSS once they are.
sleep "${SETTLE:-70}"
rss_after=$(server_rss)
anon_after=$(server_rss_anon)
echo "RSS ${SETTLE:-70} s later, the load's timers due: $(mib "$rss_after") (private: $(mib "$anon_after"))"
result=$(sed -n 's/^result //p' "$tmp/load.out")
ratio=$(sed -n 's/.*ratio=\([0-9.]*\).*/\1/p' <<<"$result")
errors=$(sed -n 's/.*errors=\([0-9]*\).*/\1/p' <<<"$result")
rss_ratio=$(awk -v a="${rss_before%% *}" -v b="${rss_after%% *}" 'BEGIN { printf "%.2f", b / a }')
anon_ratio=$(awk -v a="${anon_before%% *}" -v b="${anon_after%% *}" 'BEGIN { printf "%.2f", b / a }')
verdict() { if awk -v x="$1" -v op="$2" -v t="$3" 'BEGIN { exit !(op == ">=" ? x >= t : x <= t) }'; then echo met; else echo MISSED; fi; }
echo "summary: last/first minute $ratio (target >= 0.8: $(verdict "$ratio" '>=' 0.8)); RSS after/before $rss_ratio (target <= 1.5: $(verdict "$rss_ratio" '<=' 1.5); private $anon_ratio); errors $errors (target 0: $(verdict "$errors" '<=' 0))"
