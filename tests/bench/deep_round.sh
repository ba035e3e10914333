#!/usr/bin/env bash
# A full deep round against camfarm's truth (not run by ctest): serves a
# generated fleet with the given fault mix, imports it into a fresh index,
# runs `camdex sweep --deep` (every camera the handshake finds up gets a
# full deep look: picture, size and frame rate judged) and compares every
# verdict with the fault camfarm gave that camera (tests/camfarm/farmtruth.py
# --deep). With FAULTS none nothing may come out offline or degraded.
# Usage: tests/bench/deep_round.sh [BUILD_DIR [CAMERAS [FAULTS [WORKERS]]]]
#   defaults: build/bench 43000 default 48
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/bench}
cameras=${2:-43000}
faults=${3:-default}
workers=${4:-48}

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$(nproc)" --target camdex camfarm camfarm_clips >/dev/null

# shellcheck source=tests/bench/farm.sh
. tests/bench/farm.sh
farm_start deep_round "$build" "$cameras" "$faults" --faults-out "$work/truth.csv"
"$build/camdex" --db "$work/index" import "$work/fleet_port.csv" >/dev/null

echo "deep_round: $cameras cameras, faults $faults, $workers deep workers, load $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f '%e %U %S' -o "$work/time" "$build/camdex" --db "$work/index" sweep --deep \
    --set "deep.workers=$workers" >"$work/sweep.out" 2>"$work/sweep.err" ||
    { cat "$work/sweep.err" >&2; exit 1; }
read -r wall user sys <"$work/time"
echo "deep_round: sweep --deep ${wall} s wall, ${user} s user, ${sys} s sys, load $(cut -d' ' -f1-3 /proc/loadavg)"
for state in online degraded offline unknown; do
    n=$("$build/camdex" --db "$work/index" list --state "$state" --format csv | tail -n +2 | wc -l)
    echo "deep_round: $state $n"
done
"$build/camdex" --db "$work/index" list --format json >"$work/verdicts.json"
/usr/bin/python3 tests/camfarm/farmtruth.py --deep --truth "$work/truth.csv" \
    --inventory "$work/fleet.csv" --verdicts "$work/verdicts.json"
