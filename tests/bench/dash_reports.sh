#!/bin/sh
# The reports behind the dashboard's charts on a whole fleet: 43,000
# generated cameras in 212 units with 30 days of history written by
# dashboard_seed (tests/dashboard/history.js: all online but for three
# outages), `camdex serve` probing them every 10 s (nothing listens on the
# generated addresses, so they go offline: the writer is busy), then each
# 30-day report five times with curl: time and size.
#   tests/bench/dash_reports.sh [BUILD_DIR]     (default build/rel)
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build/rel}
camdex=$build/camdex
seed=$build/tests/dashboard/dashboard_seed
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
"$camdex" generate --cameras 43000 --units 212 --seed 21 > "$work/fleet.csv"
node -e '
const fs = require("fs"), h = require(process.argv[1]);
const rows = fs.readFileSync(process.argv[2], "utf8").split("\n").slice(1).filter((l) => l)
  .map(h.csvFields).map((f) => ({id: f[0], name: f[1], unit: f[2], unitName: f[3], url: f[4]}));
fs.writeFileSync(process.argv[3], h.makePlan(rows, Date.now(), []).text);
' "$here/tests/dashboard/history.js" "$work/fleet.csv" "$work/plan.txt"
"$seed" "$work/index" "$work/plan.txt"
"$camdex" --db "$work/index" import "$work/fleet.csv" > /dev/null
"$camdex" --db "$work/index" serve --interval 10s --set http.listen=127.0.0.1:0 \
  --log-level info 2> "$work/serve.log" &
pid=$!
addr=
for _ in $(seq 1 100); do
  addr=$(grep -ao 'msg="http listening" address=[^ ]*' "$work/serve.log" | cut -d= -f3) || true
  [ -n "$addr" ] && break
  sleep 0.2
done
[ -n "$addr" ] || { echo "camdex serve did not listen"; exit 1; }
# The index's days are UTC+8's (dashboard_seed).
to=$(date -u -d '+8 hours' +%F)
from=$(date -u -d '+8 hours -29 days' +%F)
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
for q in "online-rate?from=$from&to=$to" "online-rate?from=$from&to=$to&shape=series" \
         "outages?from=$from&to=$to"; do
  for _ in 1 2 3 4 5; do
    curl -s -o /dev/null -w "GET /api/v1/reports/$q %{time_total} s %{size_download} bytes\n" \
      "http://$addr/api/v1/reports/$q"
  done
done
