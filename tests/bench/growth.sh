#!/usr/bin/env bash
# How every cost grows with the fleet: the same operations at each size
# (default 43,000, 200,000 and 1,000,000 cameras; `camdex generate` stops
# at 999,999) and one table of the figures. Release build, not run by ctest.
#   Usage: tests/bench/growth.sh [BUILD_DIR] [SIZE...]
#   GROWTH_SERVE_S=60        seconds of `camdex serve` measured (0: no serve rows)
#   GROWTH_SWEEP_MAX=N       sweep only fleets up to N cameras (default: all camfarm serves)
#   GROWTH_SERVE_MAX=N       serve only fleets up to N cameras (default: all);
#                            serve probes each camera every n/16,700 s (10 s at least)
# Sweeps and serve need camfarm to answer every camera: the script starts
# camfarm with the largest fleet and probes its last camera; sizes past
# what camfarm serves (65,536 addresses before it learnt more) get "n/a".
# Times are wall clock with the load average beside them: on a shared
# machine they are upper bounds.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/bench}
shift $(($# > 0 ? 1 : 0))
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(43000 200000 999999)
serve_s=${GROWTH_SERVE_S:-60}
serve_max=${GROWTH_SERVE_MAX:-999999999}
py=/usr/bin/python3

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target camdex bench_store bench_midnight camfarm camfarm_clips >/dev/null
camdex=$build/camdex

# shellcheck source=tests/bench/farm.sh
. tests/bench/farm.sh
declare -A fig
load() { cut -d' ' -f1 /proc/loadavg; }
# The median wall time of a command in ms over RUNS runs (hyperfine), and
# its mean CPU time: on a loaded machine the wall time is mostly waiting.
median_ms() {
    local runs=$1
    shift
    hyperfine -N --warmup 1 --runs "$runs" --export-json "$work/hf.json" "$*" >/dev/null 2>&1
    $py -c 'import json,sys; r = json.load(open(sys.argv[1]))["results"][0]; print("%.0f ms (CPU %.0f ms)" % (r["median"] * 1000, (r["user"] + r["system"]) * 1000))' "$work/hf.json"
}
# peakmem.py's line as "wall s, CPU s, anon MiB".
peak() {
    tests/bench/peakmem.py -- "$@" |
        sed -n 's/.*wall_s=\([^ ]*\) cpu_s=\([^ ]*\) anon_peak_mib=\([^ ]*\) .*/\1 s, CPU \2 s, \3 MiB/p'
}
pages_used() { mdb_stat -e "$1" | sed -n 's/.*Number of pages used: //p'; }

# How many cameras camfarm serves: its last one answering says all do.
largest=0
for n in "${sizes[@]}"; do [ "$n" -gt "$largest" ] && largest=$n; done
farm_max=0
farm_start growth "$build" "$largest" none >/dev/null
# DESCRIBE names the camera's stream: only a camera camfarm knows is online.
if "$camdex" probe "$(grep -o 'rtsp://[^,]*' "$work/fleet_port.csv" | tail -n 1)" \
    --depth describe >/dev/null 2>&1; then
    farm_max=$largest
else
    farm_max=65536
fi
kill -TERM "$pid"; wait "$pid" || true; pid=
exec 3<&-
rm -f "$work/ready"
echo "camfarm serves fleets of up to $farm_max cameras here" >&2
sweep_max=${GROWTH_SWEEP_MAX:-$farm_max}

for n in "${sizes[@]}"; do
    echo "== $n cameras (load $(load))" >&2
    db=$work/db$n
    "$camdex" generate --cameras "$n" >"$work/fleet$n.csv"
    fig[import,$n]="$(peak "$camdex" --db "$db" import "$work/fleet$n.csv") (load $(load))"
    fig[reimport,$n]="$(peak "$camdex" --db "$db" import "$work/fleet$n.csv") (load $(load))"
    pages0=$(pages_used "$db")
    # One batch of every camera's health a round, fsync on; leaves 10 % offline.
    "$build/tests/bench/bench_store" --db "$db" --rounds 3 >"$work/store$n.out"
    fig[commit,$n]="$(sed -n 's/.*median \([0-9.]*\) ms.*/\1 ms/p' "$work/store$n.out") for $n updates (load $(load))"
    events=$(sed -n 's/.*, \([0-9]*\) transitions committed.*/\1/p' "$work/store$n.out" | awk '{s += $1} END {print s + 0}')
    pages1=$(pages_used "$db")
    # The unit of median size: the generated units range from a few hundred
    # cameras to a fifth of the fleet (the city police).
    unit=$(cut -d, -f3 "$work/fleet$n.csv" | tail -n +2 | sort | uniq -c | sort -n |
        awk '{u[NR] = $2} END {print u[int(NR / 2)]}')
    fig[units,$n]="$(median_ms 10 "$camdex" --db "$db" units) (load $(load))"
    urows=$("$camdex" --db "$db" list --state offline --unit "$unit" --format csv | tail -n +2 | wc -l)
    fig[list_unit,$n]="$(median_ms 10 "$camdex" --db "$db" list --state offline --unit "$unit"), $urows rows (load $(load))"
    rows=$("$camdex" --db "$db" list --state offline --format csv | tail -n +2 | wc -l)
    fig[list_all,$n]="$(median_ms 3 "$camdex" --db "$db" list --state offline --format csv), $rows rows (load $(load))"
    fig[fsck,$n]="$(peak "$camdex" --db "$db" fsck) (load $(load))"
    # The service's commits across midnight; the daily rows checked exact.
    "$build/tests/bench/bench_midnight" --db "$db" >"$work/midnight$n.out" || true
    fig[midnight,$n]="$(awk -F'worst ' '/before midnight/ {split($2, a, " ms"); b = a[1]}
        /first after midnight/ {split($2, a, " ms"); f = a[1]}
        END {printf "worst %s ms before, %s ms after", b, f}' "$work/midnight$n.out"); daily rows $(grep -o 'NOT EXACT\|exact$' "$work/midnight$n.out" | tail -n 1) (load $(load))"
    fig[size,$n]="$((pages1 * 4096 / 1048576)) MiB; $(((pages1 - pages0) * 4096 / (events > 0 ? events : 1))) B an event ($events events)"

    if [ "$n" -le "$farm_max" ] && [ "$n" -le "$sweep_max" ]; then
        farm_start growth "$build" "$n" default >/dev/null
        "$camdex" --db "$work/sw$n" import "$work/fleet_port.csv" >/dev/null
        for pass in first repeat; do
            /usr/bin/time -f '%e %U %S' -o "$work/time" "$camdex" --db "$work/sw$n" sweep >/dev/null 2>&1 || true
            read -r wall user sys <"$work/time"
            fig[sweep_$pass,$n]="$wall s, CPU $(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}') s (load $(load))"
        done
        kill -TERM "$pid"; wait "$pid" || true; pid=
        exec 3<&-
        rm -f "$work/ready"
        if [ "$serve_s" -gt 0 ] && [ "$n" -le "$serve_max" ]; then
            # 16,700 probes a second at most, as a million cameras every 60 s.
            interval=$((n <= 167000 ? 10 : (n + 16699) / 16700))
            tests/bench/bench_serve.py --no-build --build "$build" --cameras "$n" --measure "$serve_s" \
                --interval "$interval" --warmup $((interval + 2 + n / 100000)) \
                --kills 4 >"$work/serve$n.out" 2>&1 || true
            fig[serve,$n]="$(sed -n 's/^camdex CPU: \(.*\) of one core/\1/p' "$work/serve$n.out"), $(sed -n 's/^probe rate per status line: //p' "$work/serve$n.out" | cut -c1-40)/s"
            fig[serve_mem,$n]="$(sed -n 's/^camdex RSS max: //p' "$work/serve$n.out" | cut -c1-60)"
        fi
    fi
done

row() {
    local key=$1 label=$2 missing=${3:--}
    printf '| %s |' "$label"
    for n in "${sizes[@]}"; do
        printf ' %s |' "${fig[$key,$n]:-$missing}"
    done
    echo
}
if [ "$sweep_max" -lt "$farm_max" ]; then
    na="not measured (GROWTH_SWEEP_MAX=$sweep_max)"
else
    na="n/a beyond $farm_max until camfarm serves more"
fi
na_serve="not measured (GROWTH_SERVE_S=$serve_s, GROWTH_SERVE_MAX=$serve_max)"
printf '| cameras |'; printf ' %s |' "${sizes[@]}"; echo
printf '|---|'; for _ in "${sizes[@]}"; do printf -- '---|'; done; echo
row import "import (wall, CPU, peak anonymous)"
row reimport "re-import, unchanged file"
row sweep_first "first sweep" "$na"
row sweep_repeat "repeat sweep" "$na"
row serve "serve: CPU, probes/s per status line" "$na_serve"
row serve_mem "serve: memory" "$na_serve"
row commit "commit of every camera's health, one batch (median of 3)"
row units "camdex units (median of 10)"
row list_unit "list --state offline --unit U, U of median size (median of 10)"
row list_all "list --state offline, CSV (median of 3)"
row fsck "fsck"
row midnight "commits across midnight (interval 60 s, 500 ms of probes a commit, fsync)"
row size "index size; growth an event"
