#!/usr/bin/env bash
# A million rows: `bash benches/million.sh` (ROWS=200000 for a shorter run; STORES=file or STORES=memory for
# one store only).
#
# For each store (the in-memory default, then --db FILE) a release server (`--retain ROWS --quiet`) is filled
# through HTTP with ROWS journal entries and ROWS notifications (wrk with benches/million.lua: sends of four
# applications, to varied recipients and chats, through /x.php and the direct API, 1 in 20 rejected for a
# missing sender; titles from five templates, numbered, so most are unique). Then:
# - every documented filter of /__inspect/notifications and /__inspect/requests, QUERIES times each on one
#   kept-alive connection (curl), p50 and p99; selective and unselective values both (a title that a few
#   notifications contain, and one a fifth of them contain; titles of two characters and of one, which
#   the trigrams that begin with them serve; a title with a user and an application);
# - the p99 of sends (wrk -t2 -c32) on the idle server, then while four clients run those queries in a loop;
# - the peak resident memory (VmHWM) and the largest WAL file seen, sampled every 100 ms from /proc, in each
#   phase: the fill, the filters, the sends (idle, then under queries). (The in-memory default is a scratch
#   file in WAL mode: it has one too.)
# XXB_MOCK_BIN=path/to/xxb-mock runs another build (an older one, for before/after figures) instead of this
# tree's.
# Targets (SPEC section 8): every filter <= 50 ms p99, sends' p99 under queries within 2x of idle, RSS <= 200
# MB, WAL <= 64 MiB. Figures, not pass/fail: the machine may be shared, so the load average is printed with
# them. Everything is appended to benches/results/million.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
QUERIES=${QUERIES:-100}
DURATION=${DURATION:-10s}
if ! command -v wrk >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
fi
if [ -n "${XXB_MOCK_BIN:-}" ]; then
  BIN=$XXB_MOCK_BIN
else
  cargo build --release --quiet --bin xxb-mock
  BIN=target/release/xxb-mock
fi
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
mkdir -p benches/results
exec > >(tee -a benches/results/million.txt) 2>&1
echo "== million rows: $ROWS journal entries and notifications, $QUERIES queries per filter =="
[ -n "${XXB_MOCK_BIN:-}" ] && echo "build: $XXB_MOCK_BIN"
bash benches/machine.sh

source benches/million-load.sh
GROUP=30683aea-7a1f-4ec8-a6d6-834e0310fd7d
million_requests "$WORK/requests"

start() { # start ARGS...: a server on a free port; sets URL and PID
  "$BIN" serve --port 0 --quiet --retain "$ROWS" "$@" > "$WORK/out" 2> "$WORK/err" &
  PID=$!
  for _ in $(seq 200); do [ -s "$WORK/out" ] && break; sleep 0.05; done
  URL=$(head -1 "$WORK/out" | sed 's/^xxb-mock listening on //')
  add_apps "$URL"
}

total() { curl -s "$URL/__inspect/$1?limit=1${2:+&$2}" | sed 's/^{"total":\([0-9]*\).*/\1/'; }
newest() { curl -s "$URL/__inspect/$1?limit=1&order=desc" | sed 's/.*"items":\[{"seq":\([0-9]*\).*/\1/'; }

phase() { echo "$1" > "$WORK/phase"; echo 0 > "$WORK/wal.$1"; }
sample() { # every 100 ms until killed: the largest WAL file the server holds open, in bytes, per phase
  local size f now largest
  while kill -0 "$PID" 2>/dev/null; do
    now=$(cat "$WORK/phase")
    largest=$(cat "$WORK/wal.$now" 2>/dev/null || echo 0)
    for f in /proc/"$PID"/fd/*; do
      case $(readlink "$f" 2>/dev/null) in
        *-wal) size=$(stat -L -c %s "$f" 2>/dev/null || echo 0)
               [ "$size" -gt "$largest" ] && largest=$size && echo "$largest" > "$WORK/wal.$now";;
      esac
    done
    sleep 0.1
  done
}
mib() { awk '{printf "%.1f MiB", $1/1024/1024}' "$WORK/wal.$1"; }

fill() { # sends until ROWS notifications are stored, in rounds sized by the rate so far
  local started=$SECONDS stored seconds
  while :; do
    stored=$(total notifications)
    [ "$stored" -ge "$ROWS" ] && break
    seconds=$(( (ROWS - stored) / 12000 + 2 ))
    [ "$seconds" -gt 60 ] && seconds=60
    wrk -t2 -c32 -d"${seconds}s" -s benches/million.lua "$URL" > "$WORK/wrk" 2>&1 || true
  done
  echo "filled in $((SECONDS - started)) s: $(total requests) journal entries ($(total requests outcome=rejected) rejected), $(total notifications) notifications"
}

# p50 and p99 in ms of QUERIES requests to PATH on one connection.
measure() {
  local path=$1 urls=()
  for _ in $(seq "$QUERIES"); do urls+=(-o /dev/null "$URL/__inspect/$path"); done
  curl -s -w '%{http_code} %{time_total}\n' "${urls[@]}" > "$WORK/times"
  if grep -qv '^200 ' "$WORK/times"; then echo "  ($path answered $(grep -v '^200 ' "$WORK/times" | head -1))"; fi
  sort -k2 -n "$WORK/times" | awk -v path="$path" -v n="$QUERIES" '
    { t[NR] = $2 * 1000 }
    END { p50 = t[int((n + 1) * 0.50)]; p99 = t[int(n * 0.99 + 0.5)]; if (p99 == "") p99 = t[n];
          printf "  %-58s p50 %8.2f ms   p99 %8.2f ms   max %8.2f ms\n", path, p50, p99, t[n] }'
}

filters() { # the query paths, with values taken from the filled server
  local n j
  n=$(newest notifications); j=$(newest requests)
  # The number in the newest title: a test looking for the notification it caused.
  local title_rare
  title_rare=$(curl -s "$URL/__inspect/notifications?limit=1&order=desc" | sed 's/.*"title":"[^"0-9]*\([0-9]*\).*/\1/')
  cat <<EOF
notifications?limit=100
notifications?order=desc&limit=100
notifications?user=zhangsan&limit=100
notifications?user=6&order=desc&limit=100
notifications?gid=$GROUP&limit=100
notifications?kind=chat&limit=100
notifications?kind=notification&order=desc&limit=100
notifications?app=deployBot&limit=100
notifications?api=xxd&limit=100
notifications?api=x.php&order=desc&limit=100
notifications?title=$title_rare&limit=100
notifications?title=%E9%83%A8%E7%BD%B2%E5%A4%B1%E8%B4%A5&limit=100
notifications?title=%E5%91%A8%E6%8A%A5&limit=100
notifications?after=$((n - 50))&limit=100
notifications?after=$((n / 2))&limit=100
notifications?app=shopApp&kind=chat&user=3&limit=100
notifications?title=%E6%9C%9F&limit=100
notifications?title=7&order=desc&limit=100
notifications?title=%E5%91%A8%E6%8A%A5&user=3&app=shopApp&limit=100
notifications?title=$title_rare&user=3&limit=100
notifications?kind=chat&after=$((n / 2))&limit=100
notifications?user=6&after=$((n / 2))&limit=100
requests?limit=100
requests?order=desc&limit=100
requests?outcome=rejected&limit=100
requests?outcome=accepted&order=desc&limit=100
requests?method=sendChatMessage&limit=100
requests?app=ciBot&limit=100
requests?finding=missing_sender&limit=100
requests?api=xxd&limit=100
requests?api=x.php&order=desc&limit=100
requests?after=$((j - 50))&limit=100
requests?after=$((j / 2))&limit=100
requests?app=shopApp&outcome=accepted&method=sendNotification&limit=100
EOF
}

SEND="/x.php?m=im&f=sendNotification&code=myAppCode&token=1547b22b788502aae7988973eb6d2e79"
send_p99() { wrk -t2 -c32 -d"$DURATION" --latency -s benches/send.lua "$URL$SEND" | awk '$1 == "99%" {print $2}'; }

run() { # run NAME ARGS...
  local name=$1; shift
  echo
  echo "-- $name --"
  start "$@"
  phase fill
  sample & SAMPLER=$!
  fill
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "filters ($QUERIES queries each, one connection):"
  filters > "$WORK/filters"
  phase filters
  while read -r path; do measure "$path"; done < "$WORK/filters"
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  local idle busy
  phase sends
  idle=$(send_p99)
  local loops=()
  for _ in 1 2 3 4; do
    ( while :; do while read -r path; do curl -s -o /dev/null "$URL/__inspect/$path"; done < "$WORK/filters"; done ) &
    loops+=($!)
  done
  sleep 1
  busy=$(send_p99)
  kill "${loops[@]}" 2>/dev/null || true
  wait "${loops[@]}" 2>/dev/null || true
  echo "sendNotification p99 (wrk -t2 -c32 -d$DURATION): idle $idle, while 4 clients query the filters $busy"
  echo "peak RSS (VmHWM): $(awk '/^VmHWM/ {printf "%.1f MiB", $2/1024}' /proc/"$PID"/status)"
  kill "$PID"; wait "$PID" 2>/dev/null || true
  kill "$SAMPLER" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true
  echo "largest WAL seen: $(sort -n "$WORK"/wal.* | tail -1 | awk '{printf "%.1f MiB", $1/1024/1024}') (the fill $(mib fill), the filters $(mib filters), the sends idle and under queries $(mib sends))"
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
}

for store in ${STORES:-memory file}; do
  case $store in
    memory) run "in memory (the default)";;
    file) run "--db FILE" --db "$WORK/million.db";;
  esac
done
