#!/usr/bin/env bash
# The cost of one deep look for each protocol and picture size the
# generated fleet streams: camfarm serves a fault-free generated fleet, and
# for the first camera of each (protocol, clip) bench_deep runs N full looks
# (both keyframes decoded, as the hourly diagnosis) and, for HLS, HTTP-FLV
# and RTMP, N liveness looks (nothing decoded, as every interval), one at a
# time. Prints a table of the medians: CPU ms of the probing process and
# wall ms.
# Usage: tests/bench/deep_cost.sh BUILD [N [CAMERAS]]   (defaults 20 looks, 3000 cameras;
# DEEP_MODULE=FILE measures another build of camdex-deep.so)
set -euo pipefail
build=${1:?usage: deep_cost.sh BUILD [N [CAMERAS]]}
n=${2:-20}
cameras=${3:-3000}
. "$(dirname "$0")/farm.sh"

farm_start deep_cost "$build" "$cameras" none --faults-out "$work/truth.csv" >/dev/null
echo "deep_cost: $n looks each, load $(cut -d' ' -f1-3 /proc/loadavg)"

# id -> clip and size from camfarm's truth, then the first camera of each
# (protocol, clip) with the URL to dial.
picks=$(awk -F, 'NR == FNR { if (FNR > 1) clip[$1] = $5 " " $6 "x" $7; next }
    FNR == 1 { for (i = 1; i <= NF; i++) if ($i == "url") u = i; next }
    { url = $u; proto = "other"
      if (url ~ /^rtsp/) proto = "rtsp"; else if (url ~ /\.m3u8$/) proto = "hls"
      else if (url ~ /\.flv$/) proto = "http-flv"; else if (url ~ /^rtmp/) proto = "rtmp"
      key = proto " " clip[$1]
      if (!(key in seen)) { seen[key] = 1; print key " " url } }' \
    "$work/truth.csv" "$work/fleet_port.csv" | sort)

printf '| protocol | clip | size | diagnosis look: CPU ms | wall ms | liveness look: CPU ms | wall ms | online |\n'
printf '|---|---|---|---|---|---|---|---|\n'
while read -r proto clip size url; do
    row="| $proto | $clip | $size"
    online=""
    for mode in full live; do
        flags=(-n "$n" --no-ffprobe)
        if [ "$mode" = live ]; then
            [ "$proto" = rtsp ] && { row+=" | | "; continue; }
            # As the service makes them (monitor.c, deep_opts_quick): a
            # 200 ms window; the analysis time only matters to a module
            # that still runs find_stream_info for them.
            flags+=(--no-decode --measure-ms 200 --analyze-ms 200)
        fi
        out=$(CAMDEX_DEEP_MODULE="${DEEP_MODULE:-$build/camdex-deep.so}" "$build/tests/bench/bench_deep" \
            "${flags[@]}" "$url" 2>/dev/null) || out=""
        cpu=$(sed -n 's/^deep_probe .*cpu_ms median=\([0-9.]*\).*/\1/p' <<<"$out")
        wall=$(sed -n 's/^deep_probe .*wall_ms median=\([0-9]*\).*/\1/p' <<<"$out")
        online+="${online:+, }$(sed -n 's/^deep_probe online=\(.*\)/\1/p' <<<"$out")"
        row+=" | ${cpu:-?} | ${wall:-?}"
    done
    echo "$row | $online |"
done <<<"$picks"
echo "deep_cost: load after $(cut -d' ' -f1-3 /proc/loadavg)"
