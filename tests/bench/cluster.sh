#!/usr/bin/env bash
# Cluster benchmark (not run by ctest): builds Release, starts a nats-server
# with JetStream on a free loopback port (its store in a scratch directory),
# and runs bench_cluster: the central's ingest rate of health records, and
# the latency from a prober's commit to the central's index while the
# prober snapshots every camera each second.
# Usage: tests/bench/cluster.sh [BUILD_DIR] [-- bench_cluster options]
#        (default build/bench-cluster; e.g. -- --cameras 43000 --snapshots 5)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/bench-cluster}
shift || true
[ "${1:-}" = "--" ] && shift
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j 2 --target bench_cluster >/dev/null
work=$(mktemp -d)
nats_pid=
cleanup() {
    if [ -n "$nats_pid" ]; then kill "$nats_pid" 2>/dev/null || true; wait "$nats_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
nats-server -js -a 127.0.0.1 -p "$port" -sd "$work/nats" 2> "$work/nats.log" &
nats_pid=$!
for _ in $(seq 100); do grep -q "Server is ready" "$work/nats.log" && break; sleep 0.1; done
grep -q "Server is ready" "$work/nats.log" || { cat "$work/nats.log"; exit 1; }
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
TMPDIR=$work "$build/tests/bench/bench_cluster" --nats "nats://127.0.0.1:$port" "$@" 2> "$work/bench.log" ||
    { tail -20 "$work/bench.log"; exit 1; }
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
