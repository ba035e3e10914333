#!/usr/bin/env bash
# Encodes the short Annex B clips camfarm streams (shared by every camera)
# and writes manifest.txt describing them. Generated video is never committed.
# Usage: make_clips.sh [OUTDIR [SECONDS]]   (OUTDIR defaults to the git-ignored
# clips/ next to this script; builds use <build>/camfarm-clips)
set -euo pipefail

out=${1:-$(cd "$(dirname "$0")" && pwd)/clips}
secs=${2:-2}
mkdir -p "$out"
command -v ffmpeg >/dev/null || { echo "make_clips: ffmpeg not found (apt-get install ffmpeg)" >&2; exit 1; }

manifest="$out/manifest.txt.tmp"
: >"$manifest"

# clip NAME CODEC WIDTH HEIGHT FPS FILTERGRAPH
# No B-frames, so decode order is presentation order and RTP timestamps grow
# monotonically; headers repeat at every keyframe so a loop restart decodes.
clip() {
    local name=$1 codec=$2 w=$3 h=$4 fps=$5 graph=$6 file enc
    if [ "$codec" = h264 ]; then
        file="$name.h264"
        enc=(-c:v libx264 -preset ultrafast -profile:v main -crf 30 -bf 0 -g "$fps"
             -x264-params "repeat-headers=1:scenecut=0" -f h264)
    else
        file="$name.h265"
        enc=(-c:v libx265 -preset ultrafast -crf 32 -g "$fps"
             -x265-params "bframes=0:repeat-headers=1:scenecut=0:log-level=error" -f hevc)
    fi
    if [ ! -s "$out/$file" ]; then
        ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "$graph" \
            -frames:v $((secs * fps)) -pix_fmt yuv420p "${enc[@]}" "$out/$file.tmp"
        mv "$out/$file.tmp" "$out/$file"
    fi
    echo "$name $codec $w $h $fps $file" >>"$manifest"
}

src="testsrc2=size=640x360:rate=25"
clip normal     h264 640 360 25 "$src"
clip normal265  h265 640 360 25 "$src"
clip hd         h264 1280 720 25 "testsrc2=size=1280x720:rate=25"
clip black      h264 640 360 25 "color=c=black:size=640x360:rate=25"
# One frame repeated: a frozen picture that still streams at full rate.
clip frozen     h264 640 360 25 "testsrc2=size=640x360:rate=25,trim=end_frame=1,loop=loop=-1:size=1"
clip blurred    h264 640 360 25 "$src,boxblur=luma_radius=12:luma_power=3"
clip noisy      h264 640 360 25 "$src,noise=alls=25:allf=t+u"
clip lowfps     h264 640 360 5  "testsrc2=size=640x360:rate=5"
clip smallres   h264 352 288 25 "testsrc2=size=352x288:rate=25"

# Field sizes (1080p, 4MP 2560x1440, 720p above): a camera whose inventory
# row names a size streams that size, and a low frame rate or noise keeps
# the size.
# H.264 only: x265 takes minutes for a 1080p clip on a 2-core builder.
clip fhd        h264 1920 1080 25 "testsrc2=size=1920x1080:rate=25"
clip qhd        h264 2560 1440 25 "testsrc2=size=2560x1440:rate=25"
clip lowfps_hd  h264 1280 720 5   "testsrc2=size=1280x720:rate=5"
clip lowfps_fhd h264 1920 1080 5  "testsrc2=size=1920x1080:rate=5"
clip lowfps_qhd h264 2560 1440 5  "testsrc2=size=2560x1440:rate=5"
# camdex has no noise check: a noisy camera must keep its size to pass.
clip noisy_hd   h264 1280 720 25  "testsrc2=size=1280x720:rate=25,noise=alls=25:allf=t+u"
clip noisy_fhd  h264 1920 1080 25 "testsrc2=size=1920x1080:rate=25,noise=alls=25:allf=t+u"
clip noisy_qhd  h264 2560 1440 25 "testsrc2=size=2560x1440:rate=25,noise=alls=25:allf=t+u"
mv "$manifest" "$out/manifest.txt"
echo "make_clips: $(wc -l <"$out/manifest.txt") clips in $out"
