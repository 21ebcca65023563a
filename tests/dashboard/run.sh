#!/usr/bin/env bash
# Runs the dashboard's browser test: installs playwright-core with `npm ci`
# into the build folder (only when the lock file changed), then runs the
# scenario against a cumulo serve of its own.
# usage: run.sh CUMULO_BINARY BUILD_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="$1"
work="$2/dashboard-tests"
mkdir -p "$work"
cp "$here/package.json" "$here/package-lock.json" "$here/dashboard_test.mjs" "$work/"
if ! cmp -s "$here/package-lock.json" "$work/node_modules/.installed-lock.json" 2>/dev/null; then
  (cd "$work" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$here/package-lock.json" "$work/node_modules/.installed-lock.json"
fi
[ -x /usr/bin/chromium ] || { echo "run.sh: /usr/bin/chromium is missing: run scripts/install-deps" >&2; exit 1; }
exec node "$work/dashboard_test.mjs" "$binary" "$2/dashboard-screenshots"
