#!/usr/bin/env bash
# The hourly diagnosis round at fleet scale: camfarm serves a generated fleet
# (every protocol), camdex imports it, sweeps it once (as the demo does),
# then `camdex serve` probes liveness every 60 s with [quality] interval 1h
# and K deep workers. After the first interval it measures for MINUTES:
# camdex's CPU (utime + stime from /proc), the status lines (liveness probes
# a second, schedule lag p99, deep looks and diagnoses a second, diagnoses
# running late), then compares every camera's verdict with the fault
# camfarm gave it (farmtruth.py). Each camera's first diagnosis falls at a
# moment spread over the hour, so MINUTES of the round diagnose about
# MINUTES/60 of the fleet: the figures are of that part of the round.
# Usage: tests/bench/diagnosis_round.sh BUILD [MINUTES [FAULTS [WORKERS [CAMERAS]]]]
#        (defaults 15 minutes, faults none, 32 workers, 43000 cameras)
# DIAGNOSIS_KEEP=DIR keeps the truth, the fleet, the verdicts and serve's log.
set -euo pipefail
build=${1:?usage: diagnosis_round.sh BUILD [MINUTES [FAULTS [WORKERS [CAMERAS]]]]}
minutes=${2:-15}
faults=${3:-none}
workers=${4:-32}
cameras=${5:-43000}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/farm.sh"
serve=
round_cleanup() {
    if [ -n "$serve" ] && kill -0 "$serve" 2>/dev/null; then kill -TERM "$serve"; wait "$serve" || true; fi
    farm_cleanup
}
trap round_cleanup EXIT

farm_start diagnosis_round "$build" "$cameras" "$faults" --seed 1 --faults-out "$work/truth.csv"
camdex=("$build/camdex" --db "$work/index")
set_flags=(--set "deep.workers=$workers" --set quality.interval=1h)
"${camdex[@]}" import "$work/fleet_port.csv" >/dev/null
t=$(date +%s.%N)
"${camdex[@]}" sweep "${set_flags[@]}" >"$work/sweep.out" 2>"$work/sweep.err" || true
took=$(awk -v t="$t" -v n="$(date +%s.%N)" 'BEGIN{printf "%.1f", n-t}')
"${camdex[@]}" list --format json >"$work/sweep.json"
echo "diagnosis_round: first sweep $took s: $(/usr/bin/python3 -c '
import collections, json, sys
c = collections.Counter(x["state"] + ("/" + x["reason"] if x.get("reason") else "") for x in json.load(open(sys.argv[1])))
print(", ".join(f"{k} {v}" for k, v in c.most_common(12)))' "$work/sweep.json")"

ticks=$(getconf CLK_TCK)
cpu_s() { awk -v hz="$ticks" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"; }
"${camdex[@]}" serve --interval 60s --status-log 60s --log-level info "${set_flags[@]}" \
    2>"$work/serve.log" >/dev/null &
serve=$!
sleep 70 # the first liveness interval: every camera probed once
load0=$(cut -d' ' -f1-3 /proc/loadavg)
cpu0=$(cpu_s "$serve")
t0=$(date +%s)
from=$(grep -c 'msg=status' "$work/serve.log" || true)
sleep $((minutes * 60))
cpu1=$(cpu_s "$serve")
t1=$(date +%s)
load1=$(cut -d' ' -f1-3 /proc/loadavg)
rss=$(awk '/^RssAnon/ {printf "%.1f", $2 / 1024}' "/proc/$serve/status")
kill -TERM "$serve"
wait "$serve" || true
serve=

echo "diagnosis_round: $cameras cameras, faults $faults, $workers deep workers, liveness every 60 s, [quality] interval 1 h"
echo "diagnosis_round: measured $((t1 - t0)) s, load average before $load0, after $load1"
awk -v a="$cpu0" -v b="$cpu1" -v s=$((t1 - t0)) \
    'BEGIN { printf "diagnosis_round: camdex CPU %.1f s = %.1f %% of one core\n", b - a, 100 * (b - a) / s }'
echo "diagnosis_round: camdex anonymous RSS at the end $rss MiB"
# The status lines of the window: one a minute.
grep 'msg=status' "$work/serve.log" | tail -n +$((from + 1)) | awk -v need="$(awk -v c="$cameras" 'BEGIN{printf "%.1f", c / 3600}')" '
    function f(k,   m) { return match($0, k "=[0-9.]+") ? substr($0, RSTART + length(k) + 1, RLENGTH - length(k) - 1) : "" }
    { n++; d += f("diagnoses_per_s"); l = f("lag_p99_ms"); if (l + 0 > lag) lag = l + 0
      lags = lags " " l; diag = diag " " f("diagnoses_per_s"); late = late " " f("diagnoses_late")
      waiting = waiting " " f("diagnoses_waiting")
      deep += f("deep_per_s"); pr += f("probes_per_s") }
    END { if (!n) { print "diagnosis_round: no status lines in the window"; exit }
          printf "diagnosis_round: diagnoses %.2f/s (needed %s/s), all deep looks %.1f/s, probes %.0f/s\n", d / n, need, deep / n, pr / n
          printf "diagnosis_round: %.0f diagnoses in the %d status minutes of the window\n", d * 60, n
          printf "diagnosis_round: per minute: diagnoses/s%s; late%s; waiting%s; lag p99 ms%s (worst %s)\n", diag, late, waiting, lags, lag }'

"${camdex[@]}" list --format json >"$work/verdicts.json"
# Against camfarm's faults. Part of the fleet had its diagnosis in the
# window and the rest only liveness probes, so a camera may come out as
# after a sweep --deep or as after a sweep; anything else was invented.
/usr/bin/python3 - "$here/../camfarm" "$work" <<'EOF'
import collections, json, sys
sys.path.insert(0, sys.argv[1])
import farmtruth as ft
work = sys.argv[2]
class A: truth = f"{work}/truth.csv"; inventory = f"{work}/fleet_port.csv"; verdicts = f"{work}/verdicts.json"
truth, inventory, verdicts = ft.read_inputs(A)
deep_mis, by_mode, not_served = ft.compare(truth, inventory, verdicts, True)
tier1_ids = {m["id"] for m in ft.compare(truth, inventory, verdicts, False)[0]}
invented = [m for m in deep_mis if m["id"] in tier1_ids]
states = collections.Counter(ft.verdict_of(c) for c in verdicts.values())
print("diagnosis_round: verdicts " + ", ".join(f"{k} {v}" for k, v in states.most_common()))
for scheme, got in sorted(not_served.items()):
    print(f"diagnosis_round: {scheme} cameras: " + ", ".join(f"{k} {v}" for k, v in got.items()))
print(f"diagnosis_round: {len(invented)} RTSP cameras with a verdict camfarm did not give them")
for m in invented[:30]:
    print(f"  {m['id']} {m['mode']} ({m['clip']}): {m['got']}: {m['detail']}")
# HLS, HTTP-FLV and RTMP cameras: farmtruth's table is of RTSP cameras;
# a healthy one (mode ok) must come out online.
odd = [(cid, t) for cid, t in truth.items()
       if cid in inventory and not inventory[cid]["url"].startswith("rtsp")
       and t["mode"] == "ok" and ft.verdict_of(verdicts.get(cid, {})) != "online"]
print(f"diagnosis_round: {len(odd)} healthy HLS/HTTP-FLV/RTMP cameras not online")
for cid, t in odd[:30]:
    v = verdicts.get(cid, {})
    print(f"  {cid} {inventory[cid]['url'].split(':')[0]} {t['clip']}: {ft.verdict_of(v)}: {v.get('detail', '')}")
EOF
if [ -n "${DIAGNOSIS_KEEP:-}" ]; then
    mkdir -p "$DIAGNOSIS_KEEP"
    cp "$work"/{truth.csv,fleet_port.csv,verdicts.json,sweep.json,serve.log} "$DIAGNOSIS_KEEP"/
fi
