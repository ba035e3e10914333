#!/usr/bin/env bash
# `camdex sweep` benchmark (not run by ctest): builds Release, serves a
# generated 43,000-camera fleet from camfarm with its default fault mix
# (about 7 % faulty), imports it into a fresh index and times sweeps over it:
# the first (nothing known about any camera) and the repeats, as cron runs
# them (the index knows which cameras were offline last time).
# Usage: tests/bench/sweep.sh [BUILD_DIR] [REPEATS] [-- SWEEP FLAGS...]
#   defaults: build/bench 2; SWEEP_FAULTS=none serves a fleet without faults
#   (camfarm's --faults, default "default")
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/bench}
repeats=${2:-2}
shift $(($# > 2 ? 2 : $#))
[ "${1:-}" = "--" ] && shift
cameras=43000

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$(nproc)" --target camdex camfarm camfarm_clips >/dev/null

# shellcheck source=tests/bench/farm.sh
. tests/bench/farm.sh
farm_start sweep "$build" "$cameras" "${SWEEP_FAULTS:-default}"
"$build/camdex" --db "$work/index" import "$work/fleet_port.csv" >/dev/null

echo "sweep flags: ${*:-(defaults)}"
printf '%-10s %8s %8s %8s %10s %10s %10s %8s\n' sweep wall_s user_s sys_s online degraded offline load
for i in $(seq 0 "$repeats"); do
    load=$(cut -d' ' -f1 /proc/loadavg)
    /usr/bin/time -f '%e %U %S' -o "$work/time" "$build/camdex" --db "$work/index" sweep "$@" \
        >"$work/sweep.out" 2>"$work/sweep.err" || { cat "$work/sweep.err" >&2; exit 1; }
    read -r wall user sys <"$work/time"
    online=$("$build/camdex" --db "$work/index" list --state online --format csv | tail -n +2 | wc -l)
    degraded=$("$build/camdex" --db "$work/index" list --state degraded --format csv | tail -n +2 | wc -l)
    offline=$("$build/camdex" --db "$work/index" list --state offline --format csv | tail -n +2 | wc -l)
    printf '%-10s %8s %8s %8s %10s %10s %10s %8s\n' "$([ "$i" = 0 ] && echo first || echo "repeat $i")" \
        "$wall" "$user" "$sys" "$online" "$degraded" "$offline" "$load"
done

# Where the cameras stand after the last sweep, by protocol, state and reason.
echo "after the last sweep: protocol state reason cameras"
"$build/camdex" --db "$work/index" list --format json | /usr/bin/python3 -c '
import collections, json, sys
count = collections.Counter()
for row in json.load(sys.stdin):
    url = row["url"]
    proto = url.split(":")[0]
    if proto == "http":
        proto = "hls" if ".m3u8" in url else "flv"
    count[(proto, row["state"], row.get("reason") or "-")] += 1
for (proto, state, reason), n in sorted(count.items()):
    print(f"  {proto:5} {state:9} {reason:22} {n:6}")
'
