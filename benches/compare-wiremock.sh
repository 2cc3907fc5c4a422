#!/usr/bin/env bash
# xxb-mock against WireMock, same machine, same run, same load: `bash benches/compare-wiremock.sh`.
#
# WireMock 3.13.2 standalone (the npm package `wiremock` bundles its jar; Java is on the machine) runs
# with its request journal on and one stub that answers a successful sendNotification. xxb-mock runs
# strict, journaling, with --db FILE, then in its in-memory default, then with --db FILE and --retain
# unlimited (every request kept, as WireMock keeps them); the ratios against WireMock are printed for the
# last and for the first (the default retention, which deletes as it writes once past 100,000). All
# get the same wrk load (2 threads x 32 connections); the script prints
# each one's throughput and p99 latency after a warm-up, the ratios, their start-up time and memory,
# and xxb-mock's send rate against a trivial handler of its own (`/__inspect/health`) in the same
# run: "journaled send / trivial handler", with the processor time a send and a trivial request
# cost (server and wrk apart) and the most that cost allows on this machine's processors. With XXB_BASELINE_BIN, an older build is measured the same way first. Everything
# printed, wrk's full output included, also goes to benches/results/wiremock-<UTC time>.txt, headed by
# the machine and the commit.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-15s}
WIREMOCK_VERSION=3.13.2
CACHE=${XXB_BENCH_CACHE:-${TMPDIR:-/tmp}/xxb-mock-bench}
if ! command -v wrk >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
fi
command -v java >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless; }
JAR="$CACHE/node_modules/wiremock/build/wiremock-standalone-$WIREMOCK_VERSION.jar"
if [ ! -f "$JAR" ]; then
  mkdir -p "$CACHE"
  (cd "$CACHE" && npm install --silent --no-audit --no-fund "wiremock@$WIREMOCK_VERSION" >/dev/null)
fi
cargo build --release --quiet --bin xxb-mock
mkdir -p benches/results
RESULTS="benches/results/wiremock-$(date -u +%Y-%m-%dT%H-%M-%SZ).txt"
exec > >(tee "$RESULTS") 2>&1
bash benches/machine.sh
echo "duration: $DURATION per load after a ${WARM_UP:-10s} warm-up, wrk -t2 -c32"
echo
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

SEND="/x.php?m=im&f=sendNotification&code=myAppCode&token=1547b22b788502aae7988973eb6d2e79"
ms() { echo $(( $(date +%s%N) / 1000000 )); }
rss() { awk '/VmRSS/ {printf "%.0f MiB", $2/1024}' "/proc/$1/status"; }
until_up() { for _ in $(seq 600); do curl -sf -o /dev/null "$1" && return 0; sleep 0.01; done; return 1; }
# Both servers get the same warm-up first (the JVM's JIT needs it; xxb-mock does not, but fair is fair).
warm_up() { wrk -t2 -c32 -d"${WARM_UP:-10s}" -s benches/send.lua "$1" > /dev/null; }
load() { # load URL [PID]: sets RPS and P99 (ms); with PID, also SERVER_US, CLIENT_US and BOUND (below)
  timed_wrk "$WORK/wrk.txt" ${2:-} -t2 -c32 -d"$DURATION" --latency -s benches/send.lua "$1"
  local out; out=$(cat "$WORK/wrk.txt")
  RPS=$(awk '/^Requests\/sec/ {print $2}' <<< "$out")
  P99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; print v}' <<< "$out")
  if grep -q "Non-2xx" <<< "$out"; then echo "  warning: $(grep Non-2xx <<< "$out")"; fi
  sed 's/^/    | /' <<< "$out"
}
# What a request costs in processor time, server and load generator apart, from the kernel's counts
# of user and system time (wrk's own: bash's `time`; the server's: /proc/PID/stat). Both share this
# machine's processors, so their sum per request bounds the rate: PROCESSORS x 1 s / (server +
# client) is the most any build of the same cost could answer, whatever it overlaps or batches.
PROCESSORS=$(nproc)
HZ=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
timed_wrk() { # timed_wrk OUT [PID] WRK-ARGS...: wrk's output in OUT; with PID, sets SERVER_US, CLIENT_US and BOUND (req/s)
  local out=$1 pid="" before=0; shift
  if [[ "$1" =~ ^[0-9]+$ ]]; then pid=$1; shift; before=$(ticks "$pid"); fi
  local spent; spent=$( { TIMEFORMAT='%U %S'; time wrk "$@" > "$out" 2>&1; } 2>&1 )
  [ -n "$pid" ] || return 0
  local requests; requests=$(awk '/requests in/ {print $1}' "$out")
  SERVER_US=$(awk -v t="$(( $(ticks "$pid") - before ))" -v hz="$HZ" -v n="$requests" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}')
  CLIENT_US=$(awk -v n="$requests" '{printf "%.1f", ($1 + $2) * 1e6 / n}' <<< "$spent")
  BOUND=$(awk -v s="$SERVER_US" -v c="$CLIENT_US" -v p="$PROCESSORS" 'BEGIN {printf "%.0f", p * 1e6 / (s + c)}')
}
cost() { # cost WHAT: prints SERVER_US and CLIENT_US, and BOUND, the rate they allow on this machine's processors
  echo "processor time per $1: server $SERVER_US us, wrk $CLIENT_US us; $PROCESSORS processors allow at most $BOUND req/s"
}

wiremock() { # wiremock NAME STUB: start WireMock, add the stub, load it; sets WM_* figures
  echo "== WireMock $WIREMOCK_VERSION, $1 =="
  local t0; t0=$(ms)
  # Its stub directories (mappings/, __files/) go under the run's own folder, not the working directory.
  java -jar "$JAR" --port 18181 --disable-banner --root-dir "$WORK/wiremock" > "$WORK/wiremock.log" 2>&1 &
  local pid=$!
  until_up "http://127.0.0.1:18181/__admin/health"
  local started=$(( $(ms) - t0 ))
  curl -s -o /dev/null -X POST http://127.0.0.1:18181/__admin/mappings -d "$2"
  local idle; idle=$(rss $pid)
  warm_up "http://127.0.0.1:18181$SEND"
  load "http://127.0.0.1:18181$SEND"
  printf 'start %s ms, idle %s, loaded %s\nsendNotification: %s req/s, p99 %s ms\n' "$started" "$idle" "$(rss $pid)" "$RPS" "$P99"
  kill $pid; wait $pid 2>/dev/null || true
}
RESPONSE='"response": {"status": 200, "body": "{\"result\":\"success\",\"message\":\"\"}", "headers": {"Content-type": "text/html; Language=UTF-8;charset=UTF-8"}}'
# The stub a new user writes first: any POST to /x.php succeeds.
wiremock "minimal stub" '{"request": {"method": "POST", "urlPath": "/x.php"}, '"$RESPONSE"'}'
WM_RPS=$RPS; WM_P99=$P99
# A stub that checks what xxb-mock checks first: the method, the application, a token, the fields.
wiremock "validating stub" '{"request": {"method": "POST", "urlPath": "/x.php",
  "queryParameters": {"m": {"equalTo": "im"}, "f": {"equalTo": "sendNotification"}, "code": {"equalTo": "myAppCode"}, "token": {"matches": "[a-z0-9]{32}"}},
  "bodyPatterns": [{"matchesJsonPath": "$.users"}, {"matchesJsonPath": "$.title"}, {"matchesJsonPath": "$.sender"}]}, '"$RESPONSE"'}'
# The ratios are taken against the faster of the two.
if awk -v a="$RPS" -v b="$WM_RPS" 'BEGIN {exit !(a > b)}'; then WM_RPS=$RPS; WM_P99=$P99; fi

xxbmock() { # xxbmock NAME BIN PORT [memory|unlimited]: strict, journaled, --db FILE (or in memory, or keeping every request); then a trivial handler on the same server
  local store=(--db "$WORK/bench-$3.db") where="--db FILE"
  if [ "${4:-}" = memory ]; then store=(); where="in memory"; fi
  if [ "${4:-}" = unlimited ]; then store+=(--retain unlimited); where="--db FILE, --retain unlimited"; fi
  echo "== xxb-mock $1 (strict, journaled, $where) =="
  local t0; t0=$(ms)
  "$2" serve --port "$3" "${store[@]}" > /dev/null 2>&1 &
  local pid=$!
  until_up "http://127.0.0.1:$3/__inspect/health"
  XM_START=$(( $(ms) - t0 ))
  XM_IDLE=$(rss $pid)
  warm_up "http://127.0.0.1:$3$SEND"
  load "http://127.0.0.1:$3$SEND" $pid; XM_RPS=$RPS; XM_P99=$P99
  local send_cost bound=$BOUND; send_cost=$(cost send)
  XM_LOADED=$(rss $pid)
  local rejected
  rejected=$(curl -s "http://127.0.0.1:$3/__inspect/requests?outcome=rejected&limit=1" | sed 's/.*"total":\([0-9]*\).*/\1/')
  # The machine's own limit: the same server answering a handler that does no work.
  timed_wrk "$WORK/trivial.txt" $pid -t2 -c32 -d"$DURATION" "http://127.0.0.1:$3/__inspect/health"
  XM_TRIVIAL=$(awk '/^Requests\/sec/ {print $2}' "$WORK/trivial.txt")
  local trivial_cost; trivial_cost=$(cost "trivial request")
  kill $pid; wait $pid 2>/dev/null || true
  printf 'start %s ms, idle %s, loaded %s\nsendNotification: %s req/s, p99 %s ms (%s rejected)\n' "$XM_START" "$XM_IDLE" "$XM_LOADED" "$XM_RPS" "$XM_P99" "$rejected"
  awk -v a="$XM_RPS" -v b="$XM_TRIVIAL" -v w="$where" 'BEGIN {printf "/__inspect/health: %s req/s\njournaled send / trivial handler (%s): %.0f%% (target >= 35%%)\n", b, w, 100*a/b}'
  echo "$send_cost"
  echo "$trivial_cost"
  # The ratio a send of this cost could reach at best: its bound (every processor busy, nothing
  # else running) against the trivial rate measured.
  awk -v m="$bound" -v b="$XM_TRIVIAL" 'BEGIN {printf "at that cost, a send can reach at most %.0f%% of the trivial handler\n", 100*m/b}'
}
# A baseline build, for before/after figures in one run: XXB_BASELINE_BIN=path/to/older/xxb-mock.
if [ -n "${XXB_BASELINE_BIN:-}" ]; then
  xxbmock "baseline ($XXB_BASELINE_BIN)" "$XXB_BASELINE_BIN" 18183
  BASE_RPS=$XM_RPS; BASE_P99=$XM_P99
fi
xxbmock "this build" target/release/xxb-mock 18182
DB_RPS=$XM_RPS; DB_P99=$XM_P99
xxbmock "this build" target/release/xxb-mock 18184 memory
xxbmock "this build" target/release/xxb-mock 18185 unlimited
ALL_RPS=$XM_RPS; ALL_P99=$XM_P99
XM_RPS=$DB_RPS; XM_P99=$DB_P99

# The default keeps 100,000 requests: past them (after about 8 s of this load) every send also
# deletes the oldest entry and notification. WireMock keeps every request, as --retain unlimited does.
echo "== ratios, xxb-mock with --db FILE, keeping every request as WireMock does (against the faster WireMock run) =="
awk -v a="$ALL_RPS" -v b="$WM_RPS" 'BEGIN {printf "throughput: xxb-mock %.2fx WireMock (target >= 4x)\n", a/b}'
awk -v a="$ALL_P99" -v b="$WM_P99" 'BEGIN {printf "p99 latency: xxb-mock %.2fx WireMock (target <= 0.20x)\n", a/b}'
echo "== ratios, xxb-mock with --db FILE and the default retention, trimming as it writes =="
awk -v a="$XM_RPS" -v b="$WM_RPS" 'BEGIN {printf "throughput: xxb-mock %.2fx WireMock (target >= 4x)\n", a/b}'
awk -v a="$XM_P99" -v b="$WM_P99" 'BEGIN {printf "p99 latency: xxb-mock %.2fx WireMock (target <= 0.20x)\n", a/b}'
if [ -n "${BASE_RPS:-}" ]; then
  awk -v a="$XM_RPS" -v b="$BASE_RPS" -v c="$XM_P99" -v d="$BASE_P99" 'BEGIN {printf "against the baseline: throughput %.2fx, p99 %.2fx\n", a/b, c/d}'
fi
echo "raw results: $RESULTS"
