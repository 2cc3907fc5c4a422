#!/usr/bin/env bash
# How long SIGTERM takes to stop the server, with no client and with ten /__inspect/events streams open
# (a /__ui tab holds one): `bash benches/shutdown.sh`. Each figure is the time from `kill -TERM` to the
# process's exit as its parent sees it, over RUNS runs (default 20): minimum, median, maximum.
# XXB_MOCK_BIN picks the binary (default: target/release/xxb-mock, built when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-20}
BIN=${XXB_MOCK_BIN:-target/release/xxb-mock}
if [ -z "${XXB_MOCK_BIN:-}" ]; then cargo build --release --quiet --bin xxb-mock; fi
command -v curl >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl; }
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

one_run() { # one_run STREAMS: prints the milliseconds from SIGTERM to exit
  local streams=$1 pid url i
  rm -f "$WORK/url" "$WORK"/stream-*
  "$BIN" serve --port 0 --ready-file "$WORK/url" > /dev/null 2> "$WORK/err" &
  pid=$!
  for _ in $(seq 200); do [ -s "$WORK/url" ] && break; sleep 0.01; done
  url=$(cat "$WORK/url")
  for i in $(seq "$streams"); do
    curl -sN "$url/__inspect/events" > "$WORK/stream-$i" &
  done
  for i in $(seq "$streams"); do
    until grep -q connected "$WORK/stream-$i" 2>/dev/null; do sleep 0.01; done
  done
  local start end
  start=$(date +%s%N)
  kill -TERM "$pid"
  wait "$pid"
  end=$(date +%s%N)
  wait  # the curl clients, whose streams have ended
  awk -v ns=$((end - start)) 'BEGIN {printf "%.1f\n", ns / 1e6}'
}

summary() { # summary NAME STREAMS
  local times
  times=$(for _ in $(seq "$RUNS"); do one_run "$2"; done | sort -n)
  awk -v name="$1" -v runs="$RUNS" '{t[NR] = $1} END {
    printf "%-34s min %7.1f ms   median %7.1f ms   max %7.1f ms   (%d runs)\n", name, t[1], t[int((NR + 1) / 2)], t[NR], runs }' <<< "$times"
}

echo "== SIGTERM to exit =="
summary "no client" 0
summary "10 /__inspect/events streams" 10
