#!/usr/bin/env bash
# Every output at a province's scale (not run by ctest): a generated fleet
# of 999,999 cameras (`camdex generate`'s largest) imported into a fresh
# index, one sweep with nothing listening (every camera goes offline: a
# state, a reason, an event and a day of rollups each), then `list` in
# every format, `history` and `report online-rate`, each timed for its
# first byte, its last byte and its peak RSS (/usr/bin/time -v).
# Usage: tests/bench/outputs.sh [BUILD_DIR] [CAMERAS] [INDEX_DIR]
#   defaults: build/rel 999999, a fresh index in a temporary directory; an
#   INDEX_DIR that already holds the swept fleet is used as it is.
#   BEFORE=OTHER_BUILD_DIR times `list` as JSON and CSV with that build too.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/rel}
cameras=${2:-999999}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
index=${3:-$work/index}

if [ ! -e "$index/data.mdb" ]; then
    "$build/camdex" generate --cameras "$cameras" --seed 16 > "$work/fleet.csv"
    /usr/bin/time -f 'import: %e s, peak RSS %M KB' \
        "$build/camdex" --db "$index" import "$work/fleet.csv" > /dev/null
    /usr/bin/time -f 'sweep: %e s, peak RSS %M KB' \
        "$build/camdex" --db "$index" sweep --connect-timeout 300ms --recheck-delay 50ms \
        > /dev/null 2> "$work/sweep.err" || { tail "$work/sweep.err" >&2; exit 1; }
fi

# Runs one command under /usr/bin/time -v, reading its standard output as it
# comes: seconds to the first byte, to the end, bytes, peak RSS.
measure() {
    /usr/bin/python3 - "$@" <<'PY'
import os, re, subprocess, sys, time
label, argv = sys.argv[1], sys.argv[2:]
t0 = time.monotonic()
p = subprocess.Popen(["/usr/bin/time", "-v"] + argv, stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE)
first, n = None, 0
while True:
    b = p.stdout.read1(1 << 16)
    if not b:
        break
    if first is None:
        first = time.monotonic() - t0
    n += len(b)
err = p.stderr.read().decode(errors="replace")
rc = p.wait()
total = time.monotonic() - t0
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err).group(1))
if rc:
    sys.exit(f"{label}: exit {rc}: {err[-500:]}")
print(f"{label:<28} {first if first is not None else float('nan'):9.3f} {total:9.2f} "
      f"{n / 1e6:9.1f} {rss / 1024:9.1f}")
PY
}

run_all() {
    local b=$1 db=(--db "$index")
    echo "build $b, load $(cut -d' ' -f1-3 /proc/loadavg)"
    printf '%-28s %9s %9s %9s %9s\n' output first_s total_s MB peak_MiB
    if [ "${2:-}" = lists ]; then
        for f in json csv; do
            measure "list --format $f" "$b/camdex" "${db[@]}" list --format "$f"
        done
        return
    fi
    for f in json csv table; do
        measure "list --format $f" "$b/camdex" "${db[@]}" list --format "$f"
    done
    measure "list --format xlsx" "$b/camdex" "${db[@]}" list --format xlsx
    measure "history --format json" "$b/camdex" "${db[@]}" history --format json
    measure "history --format csv" "$b/camdex" "${db[@]}" history --format csv
    measure "report online-rate json" "$b/camdex" "${db[@]}" report online-rate --format json
    measure "report online-rate table" "$b/camdex" "${db[@]}" report online-rate
}

run_all "$build"
# The build before, list only (it holds the whole listing in memory).
[ -n "${BEFORE:-}" ] && run_all "$BEFORE" lists
exit 0
