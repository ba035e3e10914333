#!/usr/bin/env bash
# camfarm benchmark (not run by ctest): RSS with a city's worth of cameras
# and OPTIONS handshakes per second, with the CPU each handshake costs
# camfarm and the client, from the libuv client (camfarm_bench) and the
# io_uring one (camfarm_bench_uring) taking turns; all processes on this
# machine. Use a Release build:
#   cmake -S . -B build/rel -DCMAKE_BUILD_TYPE=Release
#   cmake --build build/rel --target camfarm camfarm_bench camfarm_bench_uring camfarm_clips
#   tests/camfarm/bench.sh build/rel [CAMERAS] [PORT]
# CAMFARM_BENCH_RUNS (3) sets how many times each client runs.
set -euo pipefail

build=${1:?usage: bench.sh BUILD_DIR [CAMERAS] [PORT]}
cameras=${2:-43000}
port=${3:-18554}
here=$(cd "$(dirname "$0")" && pwd)
farm=$build/camfarm
bench=$build/camfarm_bench
uring=$build/camfarm_bench_uring
clips=$build/camfarm-clips
for f in "$farm" "$bench"; do
    [ -x "$f" ] || { echo "bench: $f missing (build targets camfarm camfarm_bench)" >&2; exit 1; }
done
if [ ! -x "$uring" ]; then
    echo "bench: $uring missing (install liburing-dev, build target camfarm_bench_uring):" \
        "libuv client only" >&2
    uring=
fi
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

# Busy and total CPU ticks of the whole machine, all cores (/proc/stat).
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }

# run LABEL CLIENT ARGS...: one client run; prints its lines, camfarm's CPU
# (per handshake unless LABEL is "play") and the share of the cores other
# processes took meanwhile (the load average counts this benchmark too); a
# LABEL other than "" and "play" appends "label rate client_us camfarm_us
# others_percent" to $work/runs for the summary. Returns the client's exit
# status.
run() {
    local label=$1 client=$2 cpu0 cpu1 busy0 busy1 all0 all1 load out status=0 ok rate cus fus
    local hz others
    hz=$(getconf CLK_TCK)
    shift 2
    alive
    load=$(cut -d' ' -f1 /proc/loadavg)
    cpu0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    read -r busy0 all0 < <(machine_ticks)
    out=$("$client" -p "$port" -n "$cameras" "$@") || status=$?
    read -r busy1 all1 < <(machine_ticks)
    alive
    cpu1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    [ -n "$out" ] && sed 's/^/bench:   /' <<<"$out"
    ok=$(grep -o 'ok=[0-9]*' <<<"$out" | head -1 | cut -d= -f2)
    rate=$(grep -o '[0-9]* handshakes/s' <<<"$out" | head -1 | cut -d' ' -f1)
    cus=$(grep -o '[0-9.]* us per handshake' <<<"$out" | head -1 | cut -d' ' -f1)
    fus=$(awk -v t="$((cpu1 - cpu0))" -v hz="$hz" -v n="${ok:-0}" \
        'BEGIN { if (n > 0) printf "%.1f", t / hz * 1e6 / n; else print "-" }')
    # What the rest of the machine used: busy ticks minus camfarm's and the client's.
    others=$(awk -v b="$((busy1 - busy0))" -v a="$((all1 - all0))" -v f="$((cpu1 - cpu0))" \
        -v c="$(grep -o 'client CPU [0-9.]*' <<<"$out" | head -1 | cut -d' ' -f3)" -v hz="$hz" \
        'BEGIN { o = a > 0 ? (b - f - c * hz) * 100 / a : 0; printf "%.0f", o < 0 ? 0 : o }')
    if [ "$label" = play ]; then
        echo "bench:   camfarm CPU for that run: $(((cpu1 - cpu0) * 1000 / hz)) ms"
    else
        echo "bench:   camfarm CPU for that run: $(((cpu1 - cpu0) * 1000 / hz)) ms, $fus us per" \
            "handshake; other processes took $others % of the cores (load average $load at the start)"
    fi
    if [ -n "$label" ] && [ "$label" != play ] && [ -n "$rate" ]; then
        echo "$label $rate ${cus:--} $fus $others" >>"$work/runs"
    fi
    return "$status"
}
runs=${CAMFARM_BENCH_RUNS:-3}
: >"$work/runs"
echo "bench: one sweep of the fleet, libuv client, 256 in flight, FIN close"
run "" "$bench" -t "$cameras" -c 256 || true
echo "bench: 2 sweeps ($((cameras * 2)) handshakes), 256 in flight, RST close: libuv client," \
    "io_uring client (sockets reused) and io_uring client (-s, a new socket each) taking" \
    "turns, $runs runs each"
for r in $(seq "$runs"); do
    echo "bench: run $r, libuv client (camfarm_bench)"
    run libuv "$bench" -t $((cameras * 2)) -c 256 -r || true
    for mode in io_uring io_uring-s; do
        [ -n "$uring" ] || continue
        flags=()
        [ "$mode" = io_uring-s ] && flags=(-s)
        echo "bench: run $r, io_uring client (camfarm_bench_uring${flags[*]:+ ${flags[*]}})"
        status=0
        run "$mode" "$uring" -t $((cameras * 2)) -c 256 "${flags[@]}" || status=$?
        if [ "$status" -eq 3 ]; then
            echo "bench: io_uring unusable here (its message above): libuv client only" >&2
            uring=
        fi
    done
done
# Ranges over the runs: what the README quotes.
awk '{ n[$1]++
       for (k = 2; k <= 5; k++) {
           key = $1 SUBSEP k
           if (!(key in lo) || $k + 0 < lo[key]) lo[key] = $k + 0
           if (!(key in hi) || $k + 0 > hi[key]) hi[key] = $k + 0
       } }
     END { for (c in n)
               printf "bench: %-10s %d runs: %d-%d handshakes/s; CPU per handshake: " \
                      "client %.1f-%.1f us, camfarm %.1f-%.1f us; other processes %d-%d %% " \
                      "of the cores\n", c, n[c], lo[c, 2], hi[c, 2], lo[c, 3], hi[c, 3],
                      lo[c, 4], hi[c, 4], lo[c, 5], hi[c, 5] }' "$work/runs" | sort
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
run play "$bench" -t "$play" -n "$play" -c 200 -m 10 || true
echo "bench: camfarm RSS after streaming: $(rss), peak $(awk '/^VmHWM/ {print $2 " kB"}' "/proc/$pid/status")"

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
echo "bench: camfarm exit status after SIGTERM: $status"
