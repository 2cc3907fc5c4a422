#!/usr/bin/env bash
# Pending waits and open event streams against send throughput: `bash benches/waiters.sh`.
#
# The same wrk load (2 threads x 32 connections) of journaled strict sendNotification, three times on one
# server: alone; with 1,000 pending /__inspect/wait requests (one filter that never matches); with 1,000
# open /__inspect/events streams, each read to the end (each gets its share of the streams' fan-out budget,
# see README). Prints each throughput and its change against
# the first. Target (SPEC section 8): each changes throughput by less than 10%. Raw output is appended to
# benches/results/waiters.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
DURATION=${DURATION:-10s}
CLIENTS=${CLIENTS:-1000}
if ! command -v wrk >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
fi
cargo build --release --quiet --bin xxb-mock
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
mkdir -p benches/results
OUT=benches/results/waiters.txt

target/release/xxb-mock serve --port 0 --quiet > "$WORK/out" 2> "$WORK/err" &
for _ in $(seq 100); do [ -s "$WORK/out" ] && break; sleep 0.05; done
URL=$(head -1 "$WORK/out" | sed 's/^xxb-mock listening on //')
HOSTPORT=${URL#http://}
SEND="/x.php?m=im&f=sendNotification&code=myAppCode&token=1547b22b788502aae7988973eb6d2e79"

# Each load starts from an empty store (a reset), so that none runs past the retention limit the
# others stay under: at the limit every send also deletes the oldest entry.
fresh() { curl -s -X POST -H 'Content-Type: application/json' -d '{}' "$URL/__inspect/reset" > /dev/null; }
rps() { wrk -t2 -c32 -d"$DURATION" -s benches/send.lua "$URL$SEND" | awk '/^Requests\/sec/ {print $2}'; }

# Holds N connections open on PATH (a wait or an event stream) until killed; prints "open" once all are.
hold() { python3 - "$HOSTPORT" "$1" "$CLIENTS" <<'PY'
import asyncio, sys
host, port = sys.argv[1].rsplit(':', 1)
path, n = sys.argv[2], int(sys.argv[3])
async def one():
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    await writer.drain()
    await reader.read(1)          # the status line's first byte: the stream is open
    return reader, writer
async def drain(reader):
    while await reader.read(65536):
        pass
async def main():
    held = await asyncio.gather(*(one() for _ in range(n)))
    print("open", flush=True)
    await asyncio.gather(*(drain(r) for r, _ in held))
asyncio.run(main())
PY
}

{
  echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $CLIENTS clients, $DURATION =="
  fresh
  ALONE=$(rps)
  echo "sendNotification alone: $ALONE req/s"

  fresh
  hold "/__inspect/wait?count=1&user=nobody-at-all&timeout_ms=300000" > "$WORK/waits" &
  HOLD=$!
  for _ in $(seq 600); do grep -q open "$WORK/waits" 2>/dev/null && break; sleep 0.1; done
  echo "pending waits: $(curl -s "$URL/__inspect/waits")"
  WAITS=$(rps)
  kill $HOLD; wait $HOLD 2>/dev/null || true
  awk -v a="$WAITS" -v b="$ALONE" 'BEGIN {printf "with %d pending waits: %s req/s (%+.1f%%)\n", '"$CLIENTS"', a, 100*(a-b)/b}'

  fresh
  hold "/__inspect/events" > "$WORK/streams" &
  HOLD=$!
  for _ in $(seq 600); do grep -q open "$WORK/streams" 2>/dev/null && break; sleep 0.1; done
  STREAMS=$(rps)
  kill $HOLD; wait $HOLD 2>/dev/null || true
  awk -v a="$STREAMS" -v b="$ALONE" 'BEGIN {printf "with %d event streams: %s req/s (%+.1f%%)\n", '"$CLIENTS"', a, 100*(a-b)/b}'
} | tee -a "$OUT"
