#!/usr/bin/env bash
# A newcomer's cold build (issue 15): a fresh clone of this repository's
# HEAD into a temp dir, built with ccache off, as `./scripts/cumulo serve`
# and `./scripts/test` build it:
#  1. configure + `cumulo` alone (what `scripts/cumulo serve` waits for);
#  2. the rest (tests and benchmarks: what `scripts/test` adds);
#  3. with RUN_TESTS=1, ctest as scripts/test runs it.
# Prints the wall time of each, the binary's size and the load around them.
# Packages must be installed already (scripts/install-deps): their time is
# apt's, not ours. Targets: 1 within 6 minutes, 1+2+3 within 25.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cumulo-cold-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
git clone -q --no-hardlinks "$repo" "$tmp/src"
cd "$tmp/src"
export CCACHE_DISABLE=1
echo "== cold build of $(git rev-parse --short HEAD), $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC'); load $(uptime | sed 's/.*load average: //')"
t0=$(date +%s)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCUMULO_WERROR=ON >/dev/null
cmake --build build --parallel "$(nproc)" --target cumulo >/dev/null
t1=$(date +%s)
echo "configure + cumulo: $((t1 - t0)) s; binary $(du -h build/cumulo | cut -f1); load $(uptime | sed 's/.*load average: //')"
cmake --build build --parallel "$(nproc)" >/dev/null
t2=$(date +%s)
echo "the rest (tests, benchmarks): $((t2 - t1)) s; whole build $((t2 - t0)) s; load $(uptime | sed 's/.*load average: //')"
if [[ ${RUN_TESTS:-0} == 1 ]]; then
  (cd build && ctest --parallel "$(nproc)" --timeout 600 | tail -n 3)
  t3=$(date +%s)
  echo "ctest: $((t3 - t2)) s; build + tests $((t3 - t0)) s"
fi
