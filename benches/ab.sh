#!/usr/bin/env bash
# Two or more builds, alternately, under the same load: `bash benches/ab.sh BIN...` (RETAIN="--retain
# unlimited" to keep every request; ROUNDS=2). For each round and binary: a release server on a new
# `--db FILE`, WARM seconds of signed strict sendNotification (wrk 2 x 32; 12 s passes the default
# retention limit of 100,000), then 10 s measured: throughput, p99, the server's CPU per 1,000 requests
# (from /proc), the largest WAL file (sampled every 50 ms) and the load average. Alternating rounds
# spread a busy machine's noise over every build. Appends to benches/results/ab-<UTC time>.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-2}
WARM=${WARM:-12}
RETAIN=${RETAIN:-}
mkdir -p benches/results
exec > >(tee "benches/results/ab-$(date -u +%Y-%m-%dT%H-%M-%SZ).txt") 2>&1
bash benches/machine.sh
echo "store: --db FILE ${RETAIN:-(default retention)}; warm-up ${WARM}s, then 10s; wrk -t2 -c32"
SEND="/x.php?m=im&f=sendNotification&code=myAppCode&token=1547b22b788502aae7988973eb6d2e79"
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
for round in $(seq "$ROUNDS"); do
  for bin in "$@"; do
    dir=$(mktemp -d -p "$WORK")
    # shellcheck disable=SC2086
    "$bin" serve --port 0 --quiet --db "$dir/ab.db" $RETAIN > "$dir/out" 2>/dev/null &
    pid=$!
    until [ -s "$dir/out" ]; do sleep 0.01; done
    url=$(sed 's/^xxb-mock listening on //' "$dir/out")
    ( largest=0; while kill -0 "$pid" 2>/dev/null; do
        size=$(stat -c %s "$dir/ab.db-wal" 2>/dev/null || echo 0)
        [ "$size" -gt "$largest" ] && largest=$size && echo "$largest" > "$dir/wal"
        sleep 0.05
      done ) &
    wrk -t2 -c32 -d"${WARM}s" -s benches/send.lua "$url$SEND" > /dev/null
    before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    out=$(wrk -t2 -c32 -d10s --latency -s benches/send.lua "$url$SEND")
    after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    rps=$(awk '/^Requests\/sec/ {print $2}' <<< "$out")
    p99=$(awk '$1 == "99%" {print $2}' <<< "$out")
    n=$(awk '/requests in/ {print $1}' <<< "$out")
    cpu=$(awk -v a="$before" -v b="$after" -v n="$n" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", (b - a) / hz * 1e6 / n}')
    kill "$pid"; wait "$pid" 2>/dev/null || true
    echo "round $round, $bin: $rps req/s, p99 $p99, CPU $cpu ms/1000 requests, largest WAL $(awk '{printf "%.1f", $1 / 1048576}' "$dir/wal" 2>/dev/null || echo 0) MiB, load $(cut -d' ' -f1 /proc/loadavg)"
  done
done
