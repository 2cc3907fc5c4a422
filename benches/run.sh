#!/usr/bin/env bash
# The benchmarks, in one command: `bash benches/run.sh`.
#
# Throughput and latency (wrk, 2 threads x 32 connections, 10 s each) of signed strict sendNotification,
# in memory and with --db FILE, and of getChatUsers; then `cargo bench --bench latency` for wake-up delay,
# inspection queries and reset at 100,000 notifications, start-up time and memory. Figures, not
# pass/fail: the machine is shared and noisy. Set DURATION=30s for steadier numbers. Last, the time
# SIGTERM takes with and without open event streams (benches/shutdown.sh).
#
# Everything printed, wrk's full output included, also goes to benches/results/throughput-<UTC time>.txt
# (headed by the machine and the commit); the latency benchmark writes its samples beside it as JSON.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
if ! command -v wrk >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
fi
cargo build --release --quiet --bin xxb-mock
mkdir -p benches/results
RESULTS="benches/results/throughput-$(date -u +%Y-%m-%dT%H-%M-%SZ).txt"
exec > >(tee "$RESULTS") 2>&1
bash benches/machine.sh
echo "duration: $DURATION per load, wrk -t2 -c32"
echo
BIN=target/release/xxb-mock
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

start() { # start ARGS...: runs the server on a free port and sets URL and PID
  "$BIN" serve --port 0 "$@" > "$WORK/out" 2> "$WORK/err" &
  PID=$!
  for _ in $(seq 100); do [ -s "$WORK/out" ] && break; sleep 0.05; done
  URL=$(head -1 "$WORK/out" | sed 's/^xxb-mock listening on //')
}

load() { # load NAME URL [wrk args]: prints "NAME: N req/s, p50 X, p99 Y"
  local name=$1 url=$2; shift 2
  local out; out=$(wrk -t2 -c32 -d"$DURATION" --latency "$@" "$url")
  local rps p50 p99
  rps=$(awk '/^Requests\/sec/ {print $2}' <<< "$out")
  p50=$(awk '$1 == "50%" {print $2}' <<< "$out")
  p99=$(awk '$1 == "99%" {print $2}' <<< "$out")
  printf '%-44s %10s req/s   p50 %8s   p99 %8s\n' "$name" "$rps" "$p50" "$p99"
  if grep -q "Non-2xx" <<< "$out"; then echo "  (non-2xx answers: $(grep Non-2xx <<< "$out"))"; fi
  sed 's/^/    | /' <<< "$out"
}

SEND="/x.php?m=im&f=sendNotification&code=myAppCode&token=1547b22b788502aae7988973eb6d2e79"
USERS="/x.php?m=im&f=getChatUsers&gid=30683aea-7a1f-4ec8-a6d6-834e0310fd7d&code=myAppCode&token=47b5ee6196ce02951e07b737509f1228"

echo "== throughput (wrk -t2 -c32 -d$DURATION) =="
start
load "sendNotification, strict, in memory" "$URL$SEND" -s benches/send.lua
curl -s "$URL/__inspect/requests?limit=1&outcome=rejected" | grep -q '"total":0' || echo "  (some sends were rejected!)"
load "getChatUsers, in memory" "$URL$USERS"
kill $PID; wait $PID 2>/dev/null || true

start --db "$WORK/bench.db"
load "sendNotification, strict, --db FILE" "$URL$SEND" -s benches/send.lua
echo "  stored: $(curl -s "$URL/__inspect/notifications?limit=1" | sed 's/.*"total":\([0-9]*\).*/\1/') notifications"
kill $PID; wait $PID 2>/dev/null || true

echo
echo "== latency, start-up and memory =="
XXB_MOCK_BIN="$BIN" cargo bench --quiet --bench latency

echo
XXB_MOCK_BIN="$BIN" bash benches/shutdown.sh
echo
echo "raw results: $RESULTS"
