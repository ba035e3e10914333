#!/usr/bin/env bash
# Regenerates the H.264/H.265 parameter set fixtures in this folder from
# Debian's ffmpeg (libx264, libx265) and records what ffprobe says about each
# stream in manifest.txt, which tests/probes/test_h26x_sps.c checks against.
# Usage: tests/data/sps/make_fixtures.sh   (from anywhere)
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# name codec size rate extra-encoder-options
cases=(
  "h264_1920x1080_high    libx264 1920x1080 25    -profile:v high"
  "h264_1280x720_main     libx264 1280x720  30    -profile:v main -x265-params log-level=error"
  "h264_704x576_baseline  libx264 704x576   25    -profile:v baseline"
  "h264_2560x1440_high    libx264 2560x1440 20    -profile:v high"
  "h264_1366x768_high     libx264 1366x768  15    -profile:v high"
  "h264_352x288_high10    libx264 352x288   25    -profile:v high10 -pix_fmt yuv420p10le"
  "h264_640x478_high444   libx264 641x479   25    -profile:v high444 -pix_fmt yuv444p"
  "h264_720x576_interlaced libx264 720x576  25    -flags +ildct+ilme -x264opts interlaced=1"
  "h265_1920x1080_main    libx265 1920x1080 25    -profile:v main -x265-params log-level=error"
  "h265_1280x720_main     libx265 1280x720  30    -profile:v main -x265-params log-level=error"
  "h265_704x576_main      libx265 704x576   25    -profile:v main -x265-params log-level=error"
  "h265_2560x1440_main    libx265 2560x1440 20    -profile:v main -x265-params log-level=error"
  "h265_1366x768_main     libx265 1366x768  15    -profile:v main -x265-params log-level=error"
  "h265_352x288_main10    libx265 352x288   25    -profile:v main10 -pix_fmt yuv420p10le -x265-params log-level=error"
)

: >manifest.txt
echo "# file width height profile level fps_milli (from ffprobe)" >>manifest.txt
for c in "${cases[@]}"; do
  read -r name codec size rate extra <<<"$c"
  ext=h264; fmt=h264
  [ "$codec" = libx265 ] && { ext=h265; fmt=hevc; }
  # shellcheck disable=SC2086
  ffmpeg -loglevel error -y -f lavfi -i "testsrc2=size=$size:rate=$rate" -frames:v 2 \
    -c:v "$codec" $extra -f "$fmt" "$tmp/$name.$ext" </dev/null
  python3 - "$tmp/$name.$ext" "$name" "$ext" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
name, ext = sys.argv[2], sys.argv[3]
# Split the Annex B stream at start codes and keep the first VPS/SPS.
nals, i = [], 0
starts = []
while True:
    j = data.find(b'\x00\x00\x01', i)
    if j < 0:
        break
    starts.append(j + 3)
    i = j + 3
for k, s in enumerate(starts):
    e = starts[k + 1] - 3 if k + 1 < len(starts) else len(data)
    nal = data[s:e].rstrip(b'\x00')
    nals.append(nal)
want = {'h264': {7: 'sps'}, 'h265': {32: 'vps', 33: 'sps'}}[ext]
done = set()
for nal in nals:
    t = nal[0] & 0x1f if ext == 'h264' else (nal[0] >> 1) & 0x3f
    if t in want and t not in done:
        open(f"{name}.{want[t]}", 'wb').write(nal)
        done.add(t)
PY
  probe=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height,profile,level,r_frame_rate \
    -of default=nw=1 "$tmp/$name.$ext")
  w=$(sed -n 's/^width=//p' <<<"$probe"); h=$(sed -n 's/^height=//p' <<<"$probe")
  p=$(sed -n 's/^profile=//p' <<<"$probe" | tr ' ' '_'); l=$(sed -n 's/^level=//p' <<<"$probe")
  r=$(sed -n 's/^r_frame_rate=//p' <<<"$probe")
  fps=$(( ${r%/*} * 1000 / ${r#*/} ))
  echo "$name $w $h $p $l $fps" >>manifest.txt
done
