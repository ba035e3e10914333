#!/usr/bin/env bash
# How many deep looks (with the frozen check, as scheduled RTSP looks do)
# an hour K deep workers take, and their CPU, against one camfarm camera
# streaming the photographic `scene` clip with enough session slots for
# every worker. Prints bench_deep's pool line for each K.
# Usage: tests/bench/deep_looks.sh BUILD [N [K...]]   (defaults 64 probes; K 4 8 16)
set -euo pipefail
build=${1:?usage: deep_looks.sh BUILD [N [K...]]}
n=${2:-64}
shift $(($# > 1 ? 2 : 1))
ks=("$@")
[ ${#ks[@]} -gt 0 ] || ks=(4 8 16)

work=$(mktemp -d)
pid=
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

"$build/camdex" generate --cameras 1 >"$work/fleet.csv"
echo "#1 ok clip=scene sessions=64 auth=none" >"$work/modes.txt"
mkfifo "$work/ready"
"$build/camfarm" --inventory "$work/fleet.csv" --clips "$build/camfarm-clips" --faults none \
    --fleet "$work/modes.txt" --listen 0.0.0.0:0 --control 127.0.0.1:0 >"$work/ready" \
    2>"$work/camfarm.err" &
pid=$!
exec 3<"$work/ready"
read -r -t 60 line <&3 || { echo "deep_looks: camfarm not ready:" >&2; cat "$work/camfarm.err" >&2; exit 1; }
port=$(sed -n 's/.* rtsp=[^ ]*:\([0-9]*\) .*/\1/p' <<<"$line")
# The generator's first camera is an RTSP one; camfarm serves it on its own port.
url=$(sed -n '2p' "$work/fleet.csv" | grep -o 'rtsp://[^,]*' | sed -E "s#(@[0-9.]+):[0-9]+/#\1:$port/#")
echo "deep_looks: $url, load $(cut -d' ' -f1-3 /proc/loadavg)"
for k in "${ks[@]}"; do
    CAMDEX_DEEP_MODULE="$build/camdex-deep.so" "$build/tests/bench/bench_deep" -n "$n" -j "$k" --no-ffprobe "$url" |
        grep '^deep_pool' | while read -r l; do
            rate=$(sed -n 's/.*probes_per_s=\([0-9.]*\).*/\1/p' <<<"$l")
            echo "$l looks_per_hour=$(awk -v r="$rate" 'BEGIN{printf "%.0f", r*3600}')"
        done
done
