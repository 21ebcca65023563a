# shellcheck shell=bash
# Shared by the HTTP benchmarks (source it): a cumulo server on an
# ephemeral port of 127.0.0.1 in a fresh temp data dir, its admin token,
# its CPU and memory, and cleanup on exit (SIGTERM to the server, the temp
# dir removed). The caller sets `name` (for messages) and `bin` (the cumulo
# binary) before sourcing; it needs curl and jq.

: "${name:?set name before sourcing bench_lib.sh}" "${bin:?set bin before sourcing bench_lib.sh}"
tmp=$(mktemp -d "${CUMULO_BENCH_DIR:-${TMPDIR:-/tmp}}/cumulo-$name-XXXXXX")
server_pid=

stop_server() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$server_pid" 2>/dev/null; then
      echo "$name: the server did not stop within 10 s of SIGTERM; killing it" >&2
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

load() { uptime | sed 's/.*load average: //'; }

# start_server [serve options...]: starts `cumulo serve` with a random
# admin password and the caller's options (--sync, --password-cost, ...: the
# server's defaults otherwise), logs the admin in and sets url, token (the
# admin's token, scoped to the admin project), project_id, admin_password,
# and auth_json (a file with the POST /v3/auth/tokens body of that login,
# for more of them). It prints "server: URL (pid, data dir[, --sync MODE])".
start_server() {
  local arg prev='' sync=''
  for arg in "$@"; do
    [[ $prev == --sync ]] && sync=$arg
    [[ $arg == --sync=* ]] && sync=${arg#--sync=}
    prev=$arg
  done
  admin_password="bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  auth_json=$tmp/auth.json
  "$bin" serve --data-dir "$tmp/data" --listen 127.0.0.1:0 --admin-password "$admin_password" \
    "$@" >"$tmp/server.log" 2>&1 &
  server_pid=$!
  url=
  for _ in $(seq 300); do
    url=$(sed -n 's|.*cumulo serving on \(http://127\.0\.0\.1:[0-9]*\).*|\1|p' "$tmp/server.log" | head -n1)
    [[ -n $url ]] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z $url ]]; then
    echo "$name: the server did not start; its output:" >&2
    cat "$tmp/server.log" >&2
    exit 1
  fi
  printf '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"name":"Default"},"password":"%s"}}},"scope":{"project":{"name":"admin","domain":{"name":"Default"}}}}}' \
    "$admin_password" >"$auth_json"
  local code
  code=$(curl -sS -o "$tmp/issue.body" -D "$tmp/issue.headers" -w '%{http_code}' \
    -H 'Content-Type: application/json' --data-binary @"$auth_json" "$url/v3/auth/tokens")
  token=$(tr -d '\r' <"$tmp/issue.headers" | sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: *//p' | head -n1)
  project_id=$(jq -r '.token.project.id // empty' "$tmp/issue.body")
  if [[ $code != 201 || -z $token || -z $project_id ]]; then
    echo "$name: POST /v3/auth/tokens answered $code without a project token:" >&2
    cat "$tmp/issue.body" >&2
    exit 1
  fi
  echo "server: $url (pid $server_pid, data dir $tmp/data${sync:+, --sync $sync})"
}

clk_tck=$(getconf CLK_TCK)
# The server's CPU time so far (user + sys), in seconds.
server_cpu() {
  awk -v hz="$clk_tck" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$server_pid/stat"
}
# The server's resident memory, as /proc/PID/status says it ("123456 kB").
server_rss() {
  awk '/^VmRSS:/ { print $2 " " $3 }' "/proc/$server_pid/status"
}
# ... of which private (heap, stacks): RSS less the binary's and libraries'
# file pages, which grow as more code runs, not as the cloud ages.
server_rss_anon() {
  awk '/^RssAnon:/ { print $2 " " $3 }' "/proc/$server_pid/status"
}
mib() { awk -v k="${1%% *}" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

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

# call METHOD URL [BODY] -> the body in $tmp/call.body, the status on stdout
call() {
  local args=(-sS -o "$tmp/call.body" -w '%{http_code}' -X "$1" -H "X-Auth-Token: $token"
    -H 'OpenStack-API-Version: compute 2.37')
  [[ $# -ge 3 ]] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
  curl "${args[@]}" "$2"
}
# expect WANTED METHOD URL [BODY]: the call, or exit with what it answered
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

# setup_compute: the admin project without compute quota, a flavor b.tiny
# (1 vCPU, 64 MB, 1 GB) and a public 4 KiB qcow2 image "cirros"; sets
# compute, flavor_id and image_id.
setup_compute() {
  compute=$url/compute/v2.1
  expect 200 PUT "$compute/os-quota-sets/$project_id" '{"quota_set": {"instances": -1, "cores": -1, "ram": -1}}'
  echo "PUT /os-quota-sets/$project_id: $(jq -c '.quota_set | {instances, cores, ram}' "$tmp/call.body")"
  code=$(call POST "$compute/flavors" '{"flavor": {"name": "b.tiny", "ram": 64, "vcpus": 1, "disk": 1}}')
  [[ $code == 200 || $code == 201 ]] || { echo "$name: POST /flavors answered $code:" >&2; cat "$tmp/call.body" >&2; exit 1; }
  flavor_id=$(jq -r '.flavor.id' "$tmp/call.body")
  expect 201 POST "$url/image/v2/images" '{"name":"cirros","disk_format":"qcow2","container_format":"bare","visibility":"public"}'
  image_id=$(jq -r '.id' "$tmp/call.body")
  head -c 4096 /dev/urandom >"$tmp/image.bin"
  code=$(curl -sS -o "$tmp/call.body" -w '%{http_code}' -X PUT -H "X-Auth-Token: $token" \
    -H 'Content-Type: application/octet-stream' --data-binary @"$tmp/image.bin" "$url/image/v2/images/$image_id/file")
  [[ $code == 204 ]] || { echo "$name: PUT /images/$image_id/file answered $code" >&2; cat "$tmp/call.body" >&2; exit 1; }
  echo "flavor b.tiny $flavor_id; image cirros $image_id (4096 bytes, $(curl -sS -H "X-Auth-Token: $token" "$url/image/v2/images/$image_id" | jq -r .status))"
}
