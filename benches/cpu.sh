#!/usr/bin/env bash
# The server's CPU time per request, which a busy machine disturbs far less than throughput:
# `bash benches/cpu.sh [BIN...]` (default target/release/xxb-mock). For each binary, in memory and
# with --db FILE, wrk (2 threads x 32 connections) sends signed strict sendNotification for
# $DURATION, then the trivial handler /__inspect/health; the server's user+system CPU seconds
# (from /proc/PID/stat, and per thread from /proc/PID/task) are divided by the requests answered.
# Figures: CPU ms per 1,000 requests (lower is better), with throughput, p50/p99 and load average.
# The warm-up is $WARM_UP (3s): `WARM_UP=25s` measures past the default retention's 100,000 requests,
# where every send also trims the oldest.
# Everything printed also goes to benches/results/cpu-<UTC time>.txt, headed by the machine and the
# commit.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
WARM_UP=${WARM_UP:-3s}
BINS=("$@")
[ ${#BINS[@]} -eq 0 ] && BINS=(target/release/xxb-mock)
mkdir -p benches/results
RESULTS="benches/results/cpu-$(date -u +%Y-%m-%dT%H-%M-%SZ).txt"
exec > >(tee "$RESULTS") 2>&1
bash benches/machine.sh
echo "duration: $DURATION per load after a $WARM_UP warm-up, wrk -t2 -c32"
echo
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
SEND="/x.php?m=im&f=sendNotification&code=myAppCode&token=1547b22b788502aae7988973eb6d2e79"
TICKS=$(getconf CLK_TCK)

cpu_of() { # cpu_of PID: user+system ticks of the process
  awk '{print $14 + $15}' "/proc/$1/stat"
}
threads_of() { # threads_of PID: "name ticks" per thread, summed by name
  for t in /proc/"$1"/task/*; do
    printf '%s %s\n' "$(tr ' ' '_' < "$t/comm")" "$(awk '{print $14 + $15}' "$t/stat" 2>/dev/null || echo 0)"
  done | awk '{s[$1] += $2} END {for (n in s) print n, s[n]}' | sort
}
measure() { # measure NAME PID URL [wrk args]
  local name=$1 pid=$2 url=$3; shift 3
  local before; before=$(cpu_of "$pid")
  threads_of "$pid" > "$WORK/t0"
  local out; out=$(wrk -t2 -c32 -d"$DURATION" --latency "$@" "$url")
  local after; after=$(cpu_of "$pid")
  threads_of "$pid" > "$WORK/t1"
  local n; n=$(awk '/requests in/ {print $1}' <<< "$out")
  local rps p50 p99
  rps=$(awk '/^Requests\/sec/ {print $2}' <<< "$out")
  p50=$(awk '$1 == "50%" {print $2}' <<< "$out")
  p99=$(awk '$1 == "99%" {print $2}' <<< "$out")
  awk -v name="$name" -v c=$((after - before)) -v n="$n" -v hz="$TICKS" -v rps="$rps" -v p50="$p50" -v p99="$p99" -v load="$(cut -d' ' -f1 /proc/loadavg)" \
    'BEGIN {printf "%-28s %7.1f CPU ms/1000 req  %9s req/s  p50 %8s  p99 %8s  (%s requests, load %s)\n", name, 1000*c/hz/n*1000, rps, p50, p99, n, load}'
  join -a2 "$WORK/t0" "$WORK/t1" | awk -v n="$n" -v hz="$TICKS" 'NF == 3 && $3 > $2 {printf "      %-24s %6.1f ms/1000\n", $1, 1000*($3-$2)/hz/n*1000} NF == 2 && $2 > 0 {printf "      %-24s %6.1f ms/1000\n", $1, 1000*$2/hz/n*1000}'
}
for bin in "${BINS[@]}"; do
  for db in memory file; do
    args=(); [ "$db" = file ] && args=(--db "$WORK/cpu-$$-$RANDOM.db")
    "$bin" serve --port 0 "${args[@]}" > "$WORK/out" 2> /dev/null &
    pid=$!
    for _ in $(seq 200); do [ -s "$WORK/out" ] && break; sleep 0.05; done
    url=$(head -1 "$WORK/out" | sed 's/^xxb-mock listening on //')
    echo "== $bin, $db =="
    wrk -t2 -c32 -d"$WARM_UP" -s benches/send.lua "$url$SEND" > /dev/null
    measure "sendNotification" "$pid" "$url$SEND" -s benches/send.lua
    measure "/__inspect/health" "$pid" "$url/__inspect/health"
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
done
