#!/bin/bash
# The clock look's error: `camdex probe --clock` on the first N RTSP cameras
# of a generated fleet served by camfarm, 4 at a time. camfarm's sender
# reports carry this machine's clock, so every offset read is the error;
# prints its mean and its largest magnitude in milliseconds.
#   tests/bench/clock.sh BUILD_DIR [N]
set -euo pipefail
build=${1:?usage: clock.sh BUILD_DIR [N]}
n=${2:-50}
. "$(dirname "$0")/farm.sh"
farm_start clock "$build" $((n * 2)) none
grep -o 'rtsp://[^,]*' "$work/fleet_port.csv" | head -n "$n" >"$work/urls"
xargs -P 4 -I{} "$build/camdex" probe {} --clock --format json <"$work/urls" >"$work/out.json" || true
/usr/bin/python3 - "$work/out.json" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
dec, i, offs, unknown = json.JSONDecoder(), 0, [], 0
while i < len(text):
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        break
    o, i = dec.raw_decode(text, i)
    off = (o.get("clock") or {}).get("offset_ms")
    if off is None:
        unknown += 1
    else:
        offs.append(off)
if not offs:
    sys.exit("no offsets read")
print(f"cameras {len(offs) + unknown}, measured {len(offs)}, unknown {unknown}")
print(f"offset ms: mean {sum(offs) / len(offs):+.3f}, largest magnitude {max(offs, key=abs):+.3f}, "
      f"min {min(offs):+.3f}, max {max(offs):+.3f}")
PY
