# A fresh `cumulo serve` for the scripts that run OpenStack's own test tools
# against it (scripts/tempest, scripts/rally). Sourced, not run.
#
#   fresh_cloud_isolate "$0" "$@"   # re-runs the script in a network namespace
#   fresh_cloud_start BINARY DIR    # sets CLOUD_URL, CLOUD_PASSWORD, CLOUD_PID
#   fresh_cloud_stop                # SIGTERM (SIGKILL after 30 s); sets CLOUD_EXIT

# Re-executes the calling script (with its arguments) in a network namespace
# of its own when it can (as root, or as a user with unshare -rn): only a
# loopback exists there, so nothing the tools do can reach beyond 127.0.0.1.
# Returns (without re-executing) inside the namespace, or when none can be
# made: then everything still talks to 127.0.0.1 only, as configured.
fresh_cloud_isolate() {
  if [ -z "${CUMULO_NETNS:-}" ]; then
    local unshare
    for unshare in "unshare --net" "unshare --net --map-root-user"; do
      if $unshare true 2>/dev/null && $unshare ip link set lo up 2>/dev/null; then
        CUMULO_NETNS=1 exec $unshare "$@"
      fi
    done
    echo "$(basename "$1"): no network namespace (unshare): on the host's loopback" >&2
    export CUMULO_NETNS=none
  fi
  if [ "$CUMULO_NETNS" = 1 ]; then
    ip link set lo up
  fi
  # Every client talks to 127.0.0.1 directly, never through a proxy.
  unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
  export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost
  # Debian's tools run on Debian's python (not another one first on PATH).
  export PATH="/usr/bin:/bin:$PATH"
}

# Starts BINARY on an ephemeral loopback port with an empty data dir in DIR
# (its output in DIR/serve.log), as tests/support/served_cloud.hpp does: a
# known admin password, cheap password hashes (the tools make many users),
# and no token rate limit (they issue a token per client they build).
fresh_cloud_start() {
  local binary="$1" dir="$2" port=""
  CLOUD_PASSWORD="admin-$RANDOM$RANDOM$RANDOM"
  "$binary" serve --listen 127.0.0.1:0 --data-dir "$dir/data" --admin-password "$CLOUD_PASSWORD" \
    --password-cost min --token-issue-rate 1000000 --sync normal >"$dir/serve.log" 2>&1 &
  CLOUD_PID=$!
  for _ in $(seq 300); do
    port="$(sed -n 's#^cumulo serving on http://127\.0\.0\.1:\([0-9]*\) .*#\1#p' "$dir/serve.log")"
    [ -n "$port" ] && break
    kill -0 "$CLOUD_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    echo "cumulo serve did not start:" >&2
    cat "$dir/serve.log" >&2
    return 1
  fi
  CLOUD_URL="http://127.0.0.1:$port"
}

# Sets CLOUD_EXIT to the server's exit status; says so when it had ended
# by itself before (a crash during the run).
fresh_cloud_stop() {
  [ -n "${CLOUD_PID:-}" ] || return 0
  if kill -0 "$CLOUD_PID" 2>/dev/null; then
    kill -TERM "$CLOUD_PID"
    for _ in $(seq 300); do kill -0 "$CLOUD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$CLOUD_PID" 2>/dev/null || true
  else
    echo "cumulo serve had ended by itself before it was stopped" >&2
  fi
  CLOUD_EXIT=0
  wait "$CLOUD_PID" 2>/dev/null || CLOUD_EXIT=$?
  CLOUD_PID=""
}
