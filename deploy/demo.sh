#!/usr/bin/env bash
# The main job on an embedded default: installs what is missing, builds
# camdex and the camera simulator, generates a Sharp-Eyes-like fleet of
# 43,000 cameras in 212 units, starts camfarm with its default fault mix
# (about 7 % of cameras broken in every way cameras break), imports the
# fleet, sweeps it with progress, prints the per-unit summary and the
# offline cameras with their reasons, then keeps `camdex serve` running
# against the fleet until Ctrl-C, which stops both.
#
# CAMDEX_DEMO_CAMERAS (43000) and CAMDEX_DEMO_SECONDS (serve until Ctrl-C)
# change the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."

./deploy/setup.sh
build=build/release
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$(nproc)" --target camdex camfarm camfarm_clips >/dev/null
camdex=$build/camdex
cameras=${CAMDEX_DEMO_CAMERAS:-43000}
work=$build/demo
rm -rf "$work"
mkdir -p "$work"

echo "== generating $cameras cameras in 212 units"
"$camdex" generate --cameras "$cameras" > "$work/fleet.csv"

echo "== starting camfarm (default fault mix)"
fifo=$work/farm.ready
mkfifo "$fifo"
"$build/camfarm" --inventory "$work/fleet.csv" --clips "$build/camfarm-clips" \
  --faults default --seed 1 --faults-out "$work/faults.csv" > "$fifo" 2> "$work/camfarm.log" &
farm=$!
serve=
stop() {
  [ -n "$serve" ] && kill -TERM "$serve" 2>/dev/null && wait "$serve" 2>/dev/null || true
  kill -TERM "$farm" 2>/dev/null && wait "$farm" 2>/dev/null || true
}
trap stop EXIT
trap 'echo; echo "== stopping"; exit 0' INT TERM
exec 3<"$fifo"
read -r -t 120 ready <&3 || { echo "camfarm did not start; see $work/camfarm.log" >&2; exit 1; }
echo "$ready"

echo "== importing into $work/index"
"$camdex" --db "$work/index" import "$work/fleet.csv"

echo "== sweeping every camera"
"$camdex" --db "$work/index" sweep

# Nothing in the demo is made up: each verdict against the fault camfarm
# gave that camera (tests/camfarm/farmtruth.py holds the table).
echo
echo "== the sweep's verdicts against the faults camfarm gave"
"$camdex" --db "$work/index" list --format json > "$work/verdicts.json"
/usr/bin/python3 tests/camfarm/farmtruth.py --truth "$work/faults.csv" \
  --inventory "$work/fleet.csv" --verdicts "$work/verdicts.json" || true

echo
echo "== serving: every camera probed every 10 s; state changes below (Ctrl-C stops)"
echo "   in another shell: $camdex --db $work/index units --sort rate"
"$camdex" --db "$work/index" serve --interval 10s --connect-timeout 1s --reply-timeout 3s \
  --log-level info --status-log 10s &
serve=$!
if [ -n "${CAMDEX_DEMO_SECONDS:-}" ]; then
  sleep "$CAMDEX_DEMO_SECONDS"
  exit 0
fi
wait "$serve"
