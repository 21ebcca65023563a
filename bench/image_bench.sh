#!/usr/bin/env bash
# Glance over HTTP, on loopback only:
#  1. throughput: one $SIZE_MIB MiB file (default 1024) of random bytes,
#     copied with `dd bs=1M conv=fsync` (a plain file copy on the same disk,
#     made durable as cumulo makes an upload), then uploaded with
#     `curl -T` (PUT /image/v2/images/{id}/file, streamed) and downloaded
#     with `curl -o` into a file on the same disk; MB/s of each, the ratio
#     of each to the copy (target: at least 0.5), the server's peak RSS
#     during the upload (the image must never sit in memory), and a check
#     that the download's md5 is the file's. Each is run $RUNS times
#     (default 3), interleaved, and the medians are compared.
#  2. listing: $IMAGES images (default 1,000), then GET /image/v2/images
#     from one wrk connection for $DURATION s (default 10): the default
#     page (25 images, as the SDK asks) and ?limit=1000 (all of them).
# It builds nothing: $1 is the cumulo binary (default ./build/cumulo).
# Environment: SIZE_MIB, RUNS, IMAGES, DURATION, CUMULO_BENCH_DIR (where the
# temp dir and the big file go; default the system temp dir). Needs curl,
# jq and wrk (Debian packages).
#
# Usage, from the repository root: bench/image_bench.sh [path/to/cumulo]
set -euo pipefail

name=image_bench
bin=${1:-./build/cumulo}
size_mib=${SIZE_MIB:-1024}
runs=${RUNS:-3}
images=${IMAGES:-1000}
duration=${DURATION:-10}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

for tool in wrk curl jq dd md5sum; do
  command -v "$tool" >/dev/null || { echo "$name: $tool is not installed" >&2; exit 2; }
done
[[ -x $bin ]] || { echo "$name: $bin is not an executable (build it first)" >&2; exit 2; }
# shellcheck source=bench_lib.sh
source "$here/bench_lib.sh"

echo "== cumulo image benchmark, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "binary: $bin; $(nproc) cores; disk of $tmp: $(df -h "$tmp" | awk 'NR==2 {print $1, $4 " free"}')"
echo "load before: $(load)"
# --password-cost min: the admin's password hash is made at libsodium's
# minimum argon2id cost. That only makes the one login cheap; nothing
# measured here hashes a password.
start_server --password-cost min --sync normal

# Seconds since the epoch, with nanoseconds.
now() { date +%s.%N; }
rate() { awk -v mib="$size_mib" -v s="$1" 'BEGIN { printf "%.0f\n", mib * 1.048576 / s }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

echo "--- 1. a ${size_mib} MiB image: upload and download against a plain copy"
src=$tmp/source.img
dd if=/dev/urandom of="$src" bs=1M count="$size_mib" status=none
src_md5=$(md5sum "$src" | cut -d' ' -f1)
sync
: >"$tmp/copy.rates"; : >"$tmp/upload.rates"; : >"$tmp/download.rates"
for run in $(seq "$runs"); do
  t0=$(now)
  dd if="$src" of="$tmp/copy.img" bs=1M conv=fsync status=none
  t1=$(now)
  rm -f "$tmp/copy.img"
  copy_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
  rate "$copy_s" >>"$tmp/copy.rates"

  id=$(curl -sS -H "X-Auth-Token: $token" -H 'Content-Type: application/json' \
    -d '{"name":"big","disk_format":"raw","container_format":"bare"}' "$url/image/v2/images" | jq -r .id)
  peak=0
  t0=$(now)
  curl -sS -o /dev/null -w '%{http_code}' -T "$src" -X PUT -H "X-Auth-Token: $token" \
    -H 'Content-Type: application/octet-stream' "$url/image/v2/images/$id/file" >"$tmp/put.code" &
  curl_pid=$!
  while kill -0 "$curl_pid" 2>/dev/null; do
    rss=$(server_rss); rss=${rss%% *}
    ((rss > peak)) && peak=$rss
    sleep 0.05
  done
  wait "$curl_pid"
  t1=$(now)
  [[ $(cat "$tmp/put.code") == 204 ]] || { echo "$name: upload answered $(cat "$tmp/put.code")" >&2; exit 1; }
  up_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
  rate "$up_s" >>"$tmp/upload.rates"

  t0=$(now)
  curl -sS -o "$tmp/download.img" -H "X-Auth-Token: $token" "$url/image/v2/images/$id/file"
  sync "$tmp/download.img"
  t1=$(now)
  down_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
  rate "$down_s" >>"$tmp/download.rates"
  got=$(md5sum "$tmp/download.img" | cut -d' ' -f1)
  checksum=$(curl -sS -H "X-Auth-Token: $token" "$url/image/v2/images/$id" | jq -r .checksum)
  [[ $got == "$src_md5" && $checksum == "$src_md5" ]] || { echo "$name: md5 mismatch: file $src_md5, download $got, image $checksum" >&2; exit 1; }
  rm -f "$tmp/download.img"
  curl -sS -o /dev/null -X DELETE -H "X-Auth-Token: $token" "$url/image/v2/images/$id"
  echo "run $run: copy $(tail -n1 "$tmp/copy.rates") MB/s, upload $(tail -n1 "$tmp/upload.rates") MB/s (server peak RSS $(mib "$peak kB")), download $(tail -n1 "$tmp/download.rates") MB/s; md5 ok"
done
copy=$(median <"$tmp/copy.rates"); up=$(median <"$tmp/upload.rates"); down=$(median <"$tmp/download.rates")
echo "median: copy $copy MB/s; upload $up MB/s = $(awk -v a="$up" -v b="$copy" 'BEGIN { printf "%.2f", a / b }') of the copy; download $down MB/s = $(awk -v a="$down" -v b="$copy" 'BEGIN { printf "%.2f", a / b }') of the copy (target: at least 0.50 each)"
rm -f "$src"
echo "load after: $(load)"

echo "--- 2. GET /image/v2/images with $images images"
seq "$images" | xargs -P 4 -I{} curl -sS -o /dev/null -H "X-Auth-Token: $token" \
  -H 'Content-Type: application/json' -d '{"name":"image-{}","disk_format":"qcow2","container_format":"bare"}' \
  "$url/image/v2/images"
count=$(curl -sS -H "X-Auth-Token: $token" "$url/image/v2/images?limit=1000" | jq '.images | length')
echo "images listed with limit=1000: $count"
for query in "" "?limit=1000"; do
  bytes=$(curl -sS -o /dev/null -w '%{size_download}' -H "X-Auth-Token: $token" "$url/image/v2/images$query")
  echo "GET /image/v2/images$query ($bytes bytes), wrk 1 connection, ${duration} s:"
  wrk -t1 -c1 -d"${duration}s" --latency -H "X-Auth-Token: $token" "$url/image/v2/images$query" |
    grep -E 'Requests/sec|50%|90%|99%'
done
echo "load after: $(load)"
echo "server RSS at the end: $(mib "$(server_rss)")"
