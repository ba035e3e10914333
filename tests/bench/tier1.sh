#!/usr/bin/env bash
# Tier-1 probe benchmark (not run by ctest): builds Release, serves a
# generated 43,000-camera fleet from camfarm (no faults), runs bench_tier1 at
# describe and options depth with N probes in flight, then ffprobe and the
# tier-1 probe one camera at a time on the same cameras, and prints a table.
# Usage: tests/bench/tier1.sh [BUILD_DIR] [IN_FLIGHT] [FFPROBE_CAMERAS] [ROUNDS]
#   defaults: build/bench-tier1 1024 200 1
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/bench-tier1}
in_flight=${2:-1024}
ff_cameras=${3:-200}
rounds=${4:-1}
cameras=43000

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$(nproc)" --target camdex camfarm camfarm_clips bench_tier1 >/dev/null
bench=$build/tests/bench/bench_tier1
for tool in ffprobe; do
    command -v "$tool" >/dev/null || { echo "tier1: $tool not found (apt-get install ffmpeg)" >&2; exit 1; }
done

# shellcheck source=tests/bench/farm.sh
. tests/bench/farm.sh
farm_start tier1 "$build" "$cameras" none

alive() {
    kill -0 "$pid" 2>/dev/null && return 0
    echo "tier1: camfarm (pid $pid) is gone: killed from outside?" >&2
    exit 1
}
value() { grep -o "$1=[0-9.]*" "$2" | head -1 | cut -d= -f2; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# run NAME ARGS...: one bench_tier1 run; its output in $work/NAME.out, plus
# camfarm's CPU per probe and the load average before the run.
run() {
    local name=$1 c0 c1
    shift
    alive
    echo "load $(load)" >"$work/$name.load"
    # camfarm's CPU over the timed probes only (--remember-auth runs an
    # untimed pass first).
    "$bench" --inventory "$work/fleet_port.csv" --peer-pid "$pid" "$@" >"$work/$name.out"
    alive
    echo "== $name ($*), $(cat "$work/$name.load")"
    cat "$work/$name.out"
    # Offline probes are cheap: figures from a half-dead farm mean nothing.
    local probes online
    probes=$(value probes "$work/$name.out")
    online=$(value online "$work/$name.out")
    if [ "$online" != "$probes" ]; then
        echo "tier1: only $online of $probes probes were online; the figures above are not comparable" >&2
    fi
}

run describe --depth describe --in-flight "$in_flight" --rounds "$rounds"
run options --depth options --in-flight "$in_flight" --rounds "$rounds"
# As camdex serve probes a camera it has met: credentials on the first
# request (remember_auth), and without OPTIONS too (skip_options).
run describe_memo --depth describe --in-flight "$in_flight" --rounds "$rounds" --remember-auth
run describe_memo_skip --depth describe --in-flight "$in_flight" --rounds "$rounds" --remember-auth \
    --skip-options
# The same with fewer probes in flight: a smaller working set on both
# sides, fewer cache misses per probe, and the rate does not need more.
run describe_memo_skip_128 --depth describe --in-flight 128 --rounds "$rounds" --remember-auth \
    --skip-options
# Ten rounds over the same cameras: one probe is too short for getrusage.
run describe_seq --depth describe --in-flight 1 --limit "$ff_cameras" --rounds 10
alive
echo "== ffprobe -v error -rtsp_transport tcp -show_streams, $ff_cameras cameras one at a time, load $(load)"
if ! "$bench" --inventory "$work/fleet_port.csv" --ffprobe --limit "$ff_cameras" 2>"$work/ffprobe.err" \
    >"$work/ffprobe.out"; then
    alive
    echo "tier1: ffprobe failed on some cameras; its last words:" >&2
    tail -5 "$work/ffprobe.err" >&2
    exit 1
fi
cat "$work/ffprobe.out"
alive

o=$work
printf '\n%-34s %12s %14s %14s %12s\n' "tier 1 ($cameras cameras, $in_flight in flight)" probes/s "CPU us/probe" "camfarm us" "p99 total ms"
for d in describe describe_memo describe_memo_skip describe_memo_skip_128 options; do
    printf '%-34s %12s %14s %14s %12.1f\n' "depth $d" "$(value probes_per_s "$o/$d.out")" \
        "$(value cpu_us_per_probe "$o/$d.out")" "$(value peer_cpu_us_per_probe "$o/$d.out")" \
        "$(grep 'phase=total' "$o/$d.out" | grep -o 'p99=[0-9]*' | awk -F= '{print $2 / 1000}')"
done
t_cpu=$(value cpu_us_per_probe "$o/describe_seq.out")
t_wall_us=$(awk '/^wall_s=/ { split($1, a, "="); split($2, r, "="); printf "%.0f", 1e6 / r[2] }' \
    "$o/describe_seq.out")
f_cpu=$(value ffprobe_cpu_us_per_camera "$o/ffprobe.out")
f_wall=$(value ffprobe_wall_us_per_camera "$o/ffprobe.out")
printf '\n%-34s %14s %14s\n' "$ff_cameras cameras, one at a time" "CPU us/camera" "wall us/camera"
printf '%-34s %14s %14s\n' "tier 1, depth describe" "$t_cpu" "$t_wall_us"
printf '%-34s %14s %14s\n' "ffprobe -show_streams" "$f_cpu" "$f_wall"
awk -v fc="$f_cpu" -v tc="$t_cpu" -v fw="$f_wall" -v tw="$t_wall_us" -v pc="$(value cpu_us_per_probe "$o/describe.out")" \
    -v rate="$(value probes_per_s "$o/describe.out")" 'BEGIN {
    printf "%-34s %13.0fx %13.0fx\n", "ffprobe / tier 1", fc / tc, fw / tw
    printf "%-34s %13.0fx %13.0fx\n", "ffprobe / tier 1 (fleet run)", fc / pc, fw / (1e6 / rate) }'
echo "load average at the end: $(load) ($(nproc) cores)"
