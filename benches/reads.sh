#!/usr/bin/env bash
# Sends while the inspection API reads: `bash benches/reads.sh [BINARY...]`.
#
# For each binary (default: target/release/xxb-mock, built first) and each store (the default, and
# --db FILE): fills the store with ROWS notifications (default 200,000), then measures signed strict
# sendNotification (wrk -t1 -c8, DURATION each, default 10s) twice: alone, and while QUERIES connections
# (default 2) keep asking /__inspect/notifications?title=... , a filter that reads every row; then five
# /__inspect/wait?title=...&timeout_ms=10 one after the other (status and seconds to answer). Prints the
# sends' p50 and p99, the queries answered, and the load average at the start of each measure: the machine
# may be shared. Giving two binaries (before and after a change) measures both in one run.
# Everything printed goes to benches/results/reads-<UTC time>.txt as well.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
ROWS=${ROWS:-200000}
QUERIES=${QUERIES:-2}
if ! command -v wrk >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
fi
if [ $# -eq 0 ]; then
  cargo build --release --quiet --bin xxb-mock
  set -- target/release/xxb-mock
fi
mkdir -p benches/results
RESULTS="benches/results/reads-$(date -u +%Y-%m-%dT%H-%M-%SZ).txt"
exec > >(tee "$RESULTS") 2>&1
bash benches/machine.sh
echo "rows: $ROWS; sends: wrk -t1 -c8 -d$DURATION; queries: wrk -t1 -c$QUERIES on /__inspect/notifications?title=..."
echo
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
SEND="/x.php?m=im&f=sendNotification&code=myAppCode&token=1547b22b788502aae7988973eb6d2e79"
QUERY="/__inspect/notifications?title=no-title-has-this&limit=100"

start() { # start BINARY ARGS...: runs the server on a free port and sets URL and PID
  local bin=$1; shift
  "$bin" serve --port 0 --quiet "$@" > "$WORK/out" 2> "$WORK/err" &
  PID=$!
  for _ in $(seq 600); do [ -s "$WORK/out" ] && break; sleep 0.05; done
  URL=$(head -1 "$WORK/out" | sed 's/^xxb-mock listening on //')
  if [ -z "$URL" ]; then echo "the server did not start:"; cat "$WORK/err"; exit 1; fi
}

load() { cut -d' ' -f1 /proc/loadavg; }

figure() { # figure WRK-OUTPUT: "p50 X, p99 Y, N req/s"
  awk '$1 == "50%" {p50=$2} $1 == "99%" {p99=$2} /^Requests\/sec/ {rps=$2}
       END {printf "p50 %s, p99 %s, %s req/s", p50, p99, rps}' <<< "$1"
}

measure() { # measure LABEL: sends alone, then with queries
  local alone with queries
  local before=$(load)
  alone=$(wrk -t1 -c8 -d"$DURATION" --latency -s benches/send.lua "$URL$SEND")
  printf '  %-34s %s   (load %s)\n' "sends alone" "$(figure "$alone")" "$before"
  before=$(load)
  wrk -t1 -c"$QUERIES" -d"$DURATION" --latency --timeout 60s "$URL$QUERY" > "$WORK/queries" &
  local querying=$!
  with=$(wrk -t1 -c8 -d"$DURATION" --latency -s benches/send.lua "$URL$SEND")
  wait $querying || true
  queries=$(cat "$WORK/queries")
  printf '  %-34s %s   (load %s)\n' "sends with title= queries" "$(figure "$with")" "$before"
  printf '  %-34s %s\n' "  the queries" "$(figure "$queries")"
  if grep -q "Non-2xx" <<< "$with$queries"; then echo "  (non-2xx answers!)"; fi
  # The issue's case: a wait of 10 ms whose filter reads every row. How long it takes to answer.
  local times=()
  for _ in 1 2 3 4 5; do
    times+=("$(curl -s -o /dev/null -w '%{http_code} %{time_total}' "$URL/__inspect/wait?title=no-title-has-this&timeout_ms=10")")
  done
  printf '  %-34s %s\n' "wait?title=...&timeout_ms=10" "$(printf '%s s, ' "${times[@]}")"
}

for bin in "$@"; do
  echo "== $bin ($("$bin" --version 2>/dev/null || echo unknown version))"
  for store in default db; do
    rm -f "$WORK"/bench.db*
    if [ "$store" = db ]; then start "$bin" --db "$WORK/bench.db"; else start "$bin"; fi
    # Each wrk thread stops after its share; wrk itself runs until stopped.
    FILL_PER_THREAD=$((ROWS / 2)) wrk -t2 -c32 -d1h -s benches/fill.lua "$URL$SEND" > /dev/null &
    local_fill=$!
    while :; do
      total=$(curl -s "$URL/__inspect/notifications?limit=1" | sed 's/.*"total":\([0-9]*\).*/\1/')
      [ "${total:-0}" -ge "$ROWS" ] && break
      sleep 0.5
    done
    kill $local_fill; wait $local_fill 2>/dev/null || true
    rss=$(awk '/^VmRSS/ {printf "%.0f MiB", $2/1024}' "/proc/$PID/status")
    echo " $store store: $total notifications, resident memory $rss"
    measure
    rss=$(awk '/^VmRSS/ {printf "%.0f MiB", $2/1024}' "/proc/$PID/status")
    echo "  resident memory after: $rss"
    kill $PID; wait $PID 2>/dev/null || true
  done
done
echo
echo "raw results: $RESULTS"
