#!/usr/bin/env bash
# Index and CLI benchmarks on a 43,000-camera fleet, Release build.
# Usage: tests/bench/run.sh [CAMERAS]   (prints the figures README reports)
set -euo pipefail
cd "$(dirname "$0")/../.."
cameras=${1:-43000}
build=build/bench
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$(nproc)" --target camdex bench_store >/dev/null
camdex=$build/camdex
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$camdex" generate --cameras "$cameras" > "$work/fleet.csv"
echo "== import of $cameras cameras into a fresh index (fsync on)"
hyperfine --warmup 1 --runs 5 --prepare "rm -rf $work/db" \
  "$camdex --db $work/db import $work/fleet.csv" --export-markdown /dev/null | grep -E "Time|Range"
"$camdex" --db "$work/db" import "$work/fleet.csv" >/dev/null 2>&1 || true
echo "== re-import of the same file (no change)"
hyperfine --warmup 1 --runs 5 "$camdex --db $work/db import $work/fleet.csv" | grep -E "Time|Range"

echo "== health updates: one batch per round, every camera"
"$build/tests/bench/bench_store" --db "$work/db" --rounds 7

echo "== camdex list --state offline (10 % offline)"
echo "rows: $("$camdex" --db "$work/db" list --state offline --format csv | tail -n +2 | wc -l)"
hyperfine --warmup 3 --runs 30 -N "$camdex --db $work/db list --state offline" | grep -E "Time|Range"
hyperfine --warmup 3 --runs 30 -N "$camdex --db $work/db list --state offline --format json" | grep -E "Time|Range"
echo "== camdex units"
hyperfine --warmup 3 --runs 30 -N "$camdex --db $work/db units" | grep -E "Time|Range"
echo "== camdex fsck"
hyperfine --warmup 1 --runs 5 -N "$camdex --db $work/db fsck" | grep -E "Time|Range"
