#!/usr/bin/env bash
# `camdex sweep` of the RTSP cameras of a generated fleet over a network
# that is not loopback (not run by ctest):
# camfarm's network model holds every reply a round trip (LATENCY, ms with
# jitter) plus the camera's think time (THINK, ms), holds a connection's
# first byte a round trip, and loses a share of connections (LOSS). For each
# in-flight cap in CAPS the fleet is imported into a fresh index and swept
# once, and the sweep time is set against what the cap and the latency
# allow: cameras x (round trips x latency + replies x think) / in flight,
# with the round trips and replies counted by camfarm during the sweep.
# Usage: tests/bench/latency.sh [BUILD_DIR] [-- SWEEP FLAGS...]
#   CAMERAS (43000), LATENCY (40:10), THINK (50:300), LOSS (0.5%),
#   CAPS ("1024 4096 0": 0 is camdex's three quarters of the open-files
#   limit), FAULTS (none: camfarm's --faults)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/bench}
shift $(($# > 1 ? 1 : $#))
[ "${1:-}" = "--" ] && shift
cameras=${CAMERAS:-43000}
latency=${LATENCY:-40:10}
think=${THINK:-50:300}
loss=${LOSS:-0.5%}
caps=${CAPS:-1024 4096 0}

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$(nproc)" --target camdex camfarm camfarm_clips >/dev/null

FARM_ARGS="--latency $latency --think $think --loss $loss"
# shellcheck source=tests/bench/farm.sh
. tests/bench/farm.sh
farm_start latency "$build" "$cameras" "${FAULTS:-none}"

# The RTSP cameras only: a sweep gives each platform camera (HLS, HTTP-FLV,
# RTMP; 3 % of the fleet) a deep look, about a second of libav on one of a
# few workers, which would time the workers rather than the network.
grep -v -E ',(http|rtmp)://' "$work/fleet_port.csv" >"$work/fleet_rtsp.csv"

# One counter from camfarm's totals, over its control socket.
farm_stat() {
    local reply
    exec 4<>"/dev/tcp/127.0.0.1/$control_port"
    printf 'stats\n' >&4
    read -r -t 10 reply <&4
    exec 4>&-
    sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" <<<"$reply"
}

# Means of the drawn figures: latency +- jitter and think MIN:MAX are uniform.
lat_ms=${latency%%:*}
think_lo=${think%%:*}
think_hi=${think##*:}
think_mean=$(((think_lo + think_hi) / 2))

echo "network: latency $latency ms, think $think ms, loss $loss; sweep flags: ${*:-(defaults)}"
printf '%-8s %8s %8s %8s %8s %10s %10s %10s %8s %8s %6s\n' cap wall_s user_s sys_s bound_s \
    conns requests lost online offline load
for cap in $caps; do
    rm -rf "$work/index"
    "$build/camdex" --db "$work/index" import "$work/fleet_rtsp.csv" >/dev/null
    c0=$(farm_stat connections) r0=$(farm_stat requests) l0=$(farm_stat lost)
    load=$(cut -d' ' -f1 /proc/loadavg)
    /usr/bin/time -f '%e %U %S' -o "$work/time" "$build/camdex" --db "$work/index" sweep \
        --max-in-flight "$cap" "$@" >"$work/sweep.out" 2>"$work/sweep.err" ||
        { cat "$work/sweep.err" >&2; exit 1; }
    read -r wall user sys <"$work/time"
    c1=$(farm_stat connections) r1=$(farm_stat requests) l1=$(farm_stat lost)
    conns=$((c1 - c0)) requests=$((r1 - r0)) lost=$((l1 - l0))
    # The cap camdex used (0: its share of the descriptor limit).
    used=$cap
    if [ "$cap" = 0 ]; then
        hard=$(ulimit -Hn)
        used=$(((hard - 256) * 3 / 4))
    fi
    # Every connection waits one round trip before its first byte and every
    # reply one round trip and one think time; spread over `used` slots.
    bound=$(awk -v c="$conns" -v r="$requests" -v l="$lat_ms" -v t="$think_mean" -v n="$used" \
        'BEGIN { printf "%.2f", (c * l + r * (l + t)) / 1000 / n }')
    online=$("$build/camdex" --db "$work/index" list --state online --format csv | tail -n +2 | wc -l)
    offline=$("$build/camdex" --db "$work/index" list --state offline --format csv | tail -n +2 | wc -l)
    printf '%-8s %8s %8s %8s %8s %10s %10s %10s %8s %8s %6s\n' "$cap($used)" "$wall" "$user" \
        "$sys" "$bound" "$conns" "$requests" "$lost" "$online" "$offline" "$load"
done
echo "after the last sweep: offline by reason"
"$build/camdex" --db "$work/index" list --state offline --format csv | /usr/bin/python3 -c '
import collections, csv, sys
count = collections.Counter(row["reason"] for row in csv.DictReader(sys.stdin))
for reason, n in count.most_common():
    print(f"  {reason:22} {n:6}")
'
