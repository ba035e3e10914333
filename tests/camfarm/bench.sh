#!/usr/bin/env bash
# camfarm benchmark (not run by ctest): RSS with a city's worth of cameras
# and OPTIONS handshakes per second from camfarm_bench, both processes on
# this machine. Use a Release build:
#   cmake -S . -B build/rel -DCMAKE_BUILD_TYPE=Release
#   cmake --build build/rel --target camfarm camfarm_bench camfarm_clips
#   tests/camfarm/bench.sh build/rel [CAMERAS] [PORT]
set -euo pipefail

build=${1:?usage: bench.sh BUILD_DIR [CAMERAS] [PORT]}
cameras=${2:-43000}
port=${3:-18554}
here=$(cd "$(dirname "$0")" && pwd)
farm=$build/camfarm
bench=$build/camfarm_bench
clips=$build/camfarm-clips
for f in "$farm" "$bench"; do
    [ -x "$f" ] || { echo "bench: $f missing (build targets camfarm camfarm_bench)" >&2; exit 1; }
done
[ -s "$clips/manifest.txt" ] || "$here/make_clips.sh" "$clips"

work=$(mktemp -d)
pid=
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

play=${CAMFARM_BENCH_PLAY:-1000}
# All Hikvision-style so one path fits every camera; the first $play cameras
# need no auth so the client can SETUP/PLAY them without Digest.
"$here/gen_fleet.sh" "$cameras" "$port" hik >"$work/fleet.csv"
awk -v n="$play" 'BEGIN { for (i = 1; i <= n; i++) print "#" i " ok auth=none clip=normal" }' \
    >"$work/modes.txt"
mkfifo "$work/ready"
"$farm" --inventory "$work/fleet.csv" --fleet "$work/modes.txt" --clips "$clips" \
    --listen "0.0.0.0:$port" --control "127.0.0.1:$((port + 1))" >"$work/ready" &
pid=$!
exec 3<"$work/ready"
# Blocks until camfarm prints its ready line (or gives up after 60 s).
read -r -t 60 line <&3 || { echo "bench: camfarm not ready" >&2; exit 1; }
echo "bench: $line"

rss() { awk '/^VmRSS/ {print $2 " kB"}' "/proc/$pid/status"; }
alive() {
    kill -0 "$pid" 2>/dev/null && return 0
    echo "bench: camfarm (pid $pid) is gone: killed from outside? (another script's pkill)" >&2
    exit 1
}
echo "bench: camfarm RSS idle with $cameras cameras: $(rss)"
echo "bench: load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

run() {
    local cpu0 cpu1
    alive
    cpu0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    "$bench" -p "$port" -n "$cameras" "$@" || true
    alive
    cpu1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    echo "bench:   camfarm CPU for that run: $(( (cpu1 - cpu0) * 1000 / $(getconf CLK_TCK) )) ms"
}
echo "bench: one sweep of the fleet, 256 in flight, FIN close"
run -t "$cameras" -c 256
echo "bench: 2 sweeps, 64 in flight, RST close (no client TIME_WAIT)"
run -t $((cameras * 2)) -c 64 -r
echo "bench: 2 sweeps, 256 in flight, RST close"
run -t $((cameras * 2)) -c 256 -r
echo "bench: camfarm RSS after: $(rss), peak $(awk '/^VmHWM/ {print $2 " kB"}' "/proc/$pid/status")"

hold=${CAMFARM_BENCH_HOLD:-15000}
echo "bench: $hold connections held open at once (open-files hard limit: $(ulimit -Hn))"
mkfifo "$work/hold"
"$bench" -p "$port" -n "$cameras" -t "$hold" -c 512 -k >"$work/hold" &
bpid=$!
exec 4<"$work/hold"
if read -r -t 120 line <&4; then
    echo "bench:   $line"
    echo "bench:   camfarm RSS $(rss), descriptors $(ls "/proc/$pid/fd" | wc -l)"
fi
kill -TERM "$bpid"
cat <&4 || true
wait "$bpid" || true
echo "bench: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "bench: $play sessions streaming H.264 640x360 25 fps over interleaved TCP for 10 s"
run -t "$play" -n "$play" -c 200 -m 10
echo "bench: camfarm RSS after streaming: $(rss), peak $(awk '/^VmHWM/ {print $2 " kB"}' "/proc/$pid/status")"

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
echo "bench: camfarm exit status after SIGTERM: $status"
