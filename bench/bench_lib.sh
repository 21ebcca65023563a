# Shared by the HTTP benchmarks (source it): a cumulo server on an
# ephemeral port of 127.0.0.1 in a fresh temp data dir, its admin token,
# its CPU and memory, and cleanup on exit. The caller sets `name` (for
# messages) and `bin` (the cumulo binary) before sourcing.

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

# start_server [serve options...]: sets url, token and project_id. The
# admin's password hash is made at the minimum argon2id cost: that only
# makes the one login cheap; nothing measured hashes a password.
start_server() {
  local password
  password="bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  "$bin" serve --data-dir "$tmp/data" --listen 127.0.0.1:0 --admin-password "$password" \
    --password-cost min "$@" >"$tmp/server.log" 2>&1 &
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
    "$password" >"$tmp/auth.json"
  local code
  code=$(curl -sS -o "$tmp/issue.body" -D "$tmp/issue.headers" -w '%{http_code}' \
    -H 'Content-Type: application/json' --data-binary @"$tmp/auth.json" "$url/v3/auth/tokens")
  token=$(tr -d '\r' <"$tmp/issue.headers" | sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: *//p' | head -n1)
  project_id=$(jq -r '.token.project.id // empty' "$tmp/issue.body")
  if [[ $code != 201 || -z $token || -z $project_id ]]; then
    echo "$name: POST /v3/auth/tokens answered $code without a project token:" >&2
    cat "$tmp/issue.body" >&2
    exit 1
  fi
  echo "server: $url (pid $server_pid, data dir $tmp/data)"
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
mib() { awk -v k="${1%% *}" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
