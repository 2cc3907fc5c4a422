#!/usr/bin/env bash
# What a trimmed row costs SQLite, per table and index: `bash benches/trim-cost.sh` (ROWS=100000 by default).
#
# A release server (`--db FILE --retain unlimited --quiet`) is filled through HTTP with ROWS journal entries
# and notifications (wrk with benches/million.lua, as benches/million.sh fills), then stopped. Each statement
# a trimming step runs is then run alone by the sqlite3 shell under callgrind, on the 1,000 oldest rows, in a
# transaction rolled back; its instruction count less that of the same run without it, divided by 1,000, is
# its cost per row. Instruction counts do not depend on the machine's load. Two ways are measured:
# - before: the seqs set aside in a temporary table (or an IN list of them), the counts taken off with
#   GROUP BY, the deliveries counted per user;
# - after: one seq range per table (`seq <= last`), the rows read once (the store adds the counts up
#   itself, one upsert per key; the reading is what SQLite does for it).
# The rollback leaves out the commit (writing the pages into the WAL), which both ways pay alike.
# Everything is appended to benches/results/trim-cost.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-100000}
for tool in wrk valgrind sqlite3; do
  command -v $tool >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool"; }
done
cargo build --release --quiet --bin xxb-mock
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
mkdir -p benches/results
exec > >(tee -a benches/results/trim-cost.txt) 2>&1
echo "== what a trimmed row costs SQLite: the 1,000 oldest of $ROWS, instructions per row (callgrind) =="
bash benches/machine.sh
echo "sqlite3 shell: $(sqlite3 --version | cut -d' ' -f1)"

source benches/million-load.sh
million_requests "$WORK/requests"

target/release/xxb-mock serve --port 0 --quiet --retain unlimited --db "$WORK/fill.db" > "$WORK/out" 2>&1 &
PID=$!
for _ in $(seq 200); do [ -s "$WORK/out" ] && break; sleep 0.05; done
URL=$(head -1 "$WORK/out" | sed 's/^xxb-mock listening on //')
add_apps "$URL"
total() { curl -s "$URL/__inspect/$1?limit=1" | sed 's/^{"total":\([0-9]*\).*/\1/'; }
while [ "$(total notifications)" -lt "$ROWS" ]; do
  wrk -t2 -c32 -d5s -s benches/million.lua "$URL" > /dev/null 2>&1 || true
done
echo "filled: $(total requests) journal entries, $(total notifications) notifications"
kill "$PID"; wait "$PID" 2>/dev/null || true

SETUP="PRAGMA cache_size=-65536;
  CREATE TEMP TABLE doomed AS SELECT seq FROM journal ORDER BY seq LIMIT 1000;
  CREATE TEMP TABLE mdoomed AS SELECT seq FROM messages ORDER BY seq LIMIT 1000;
  CREATE TEMP TABLE last AS SELECT (SELECT max(seq) FROM doomed) AS j, (SELECT max(seq) FROM mdoomed) AS m;"
ir() { valgrind --tool=callgrind --callgrind-out-file=/dev/null sqlite3 "$WORK/fill.db" "$SETUP BEGIN; $1 ROLLBACK;" 2>&1 |
  awk '/Collected/ {print $4}'; }
BASE=$(ir "")
measure() { # measure WHAT SQL
  local n; n=$(ir "$2")
  printf '  %-44s %7d\n' "$1" $(( (n - BASE) / 1000 ))
  echo $(( (n - BASE) / 1000 )) >> "$WORK/sum"
}
sum() { awk '{s += $1} END {printf "  %-44s %7d\n", "in all", s}' "$WORK/sum"; rm -f "$WORK/sum"; }
JOURNAL_COUNTS="journal_counts (outcome, method, app, api, n) SELECT j.outcome, ifnull(j.method, ''), ifnull(j.app, ''), j.api, -count(*)"
FINDING_COUNTS="journal_finding_counts (code, outcome, method, app, api, n) SELECT f.code, j.outcome, ifnull(j.method, ''), ifnull(j.app, ''), j.api, -count(*)"
UPSERT="ON CONFLICT DO UPDATE SET n = n + excluded.n;"

echo "before (a temporary table of seqs, GROUP BY, deliveries per user):"
measure "journal_finding_counts (GROUP BY)" "INSERT INTO $FINDING_COUNTS FROM temp.doomed d JOIN journal j ON j.seq = d.seq JOIN journal_findings f ON f.seq = d.seq WHERE true GROUP BY 1, 2, 3, 4, 5 $UPSERT"
measure "journal_counts (GROUP BY)" "INSERT INTO $JOURNAL_COUNTS FROM temp.doomed d JOIN journal j ON j.seq = d.seq WHERE true GROUP BY 1, 2, 3, 4 $UPSERT"
measure "journal_findings (+ its index)" "DELETE FROM journal_findings WHERE seq IN (SELECT seq FROM temp.doomed);"
measure "journal (+ its 5 indexes)" "DELETE FROM journal WHERE seq IN (SELECT seq FROM temp.doomed);"
measure "deliveries per user" "SELECT count(*) FROM (SELECT user_id, count(*) FROM recipients WHERE message_seq IN (SELECT seq FROM mdoomed) GROUP BY user_id);"
measure "message_counts (GROUP BY)" "INSERT INTO message_counts (kind, cgid, app, api, n) SELECT kind, cgid, app, api, -count(*) FROM messages WHERE seq IN (SELECT seq FROM mdoomed) GROUP BY 1, 2, 3, 4 $UPSERT"
measure "message_titles (trigram index)" "DELETE FROM message_titles WHERE rowid IN (SELECT seq FROM mdoomed);"
measure "recipients (+ recipients_by_user)" "DELETE FROM recipients WHERE message_seq IN (SELECT seq FROM mdoomed);"
measure "messages (+ its 4 indexes)" "DELETE FROM messages WHERE seq IN (SELECT seq FROM mdoomed);"
sum
echo "after (one seq range per table, the rows read once, the counts added up by the store):"
measure "journal rows read for the counts" "SELECT count(*), sum(length(outcome) + length(ifnull(method, '')) + length(ifnull(app, '')) + length(api)) FROM journal WHERE seq <= (SELECT j FROM last);"
measure "journal_findings read for the counts" "SELECT count(*), sum(length(code)) FROM journal_findings WHERE seq <= (SELECT j FROM last);"
measure "journal_findings (+ its index)" "DELETE FROM journal_findings WHERE seq <= (SELECT j FROM last);"
measure "journal (+ its 5 indexes)" "DELETE FROM journal WHERE seq <= (SELECT j FROM last);"
measure "message rows read for the counts" "SELECT count(*), sum(length(kind) + length(cgid) + length(app) + length(api)) FROM messages WHERE seq <= (SELECT m FROM last);"
measure "message_titles (trigram index)" "DELETE FROM message_titles WHERE rowid <= (SELECT m FROM last);"
measure "recipients (+ recipients_by_user)" "DELETE FROM recipients WHERE message_seq <= (SELECT m FROM last);"
measure "messages (+ its 4 indexes)" "DELETE FROM messages WHERE seq <= (SELECT m FROM last);"
sum
