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
mv "$manifest" "$out/manifest.txt"
echo "make_clips: $(wc -l <"$out/manifest.txt") clips in $out"

# Platform stream formats, remuxed (never re-encoded) from every clip above so
# HTTP-FLV, HLS and RTMP cameras carry the same pictures as RTSP ones:
# NAME.flv (H.264 only: FFmpeg 5.1's FLV has no H.265) and NAME-K.ts, one
# MPEG-TS segment per second of clip (a keyframe starts each). streams.txt
# lists "name flv_file|- segments segment_ms".
streams="$out/streams.txt.tmp"
: >"$streams"
while read -r name codec _w _h _fps file; do
    flv=-
    if [ "$codec" = h264 ]; then
        flv="$name.flv"
        [ -s "$out/$flv" ] || { ffmpeg -nostdin -hide_banner -loglevel error -y -r "$_fps" \
            -f h264 -i "$out/$file" -c copy -f flv "$out/$flv.tmp" && mv "$out/$flv.tmp" "$out/$flv"; }
    fi
    if [ ! -s "$out/$name-0.ts" ]; then
        ffmpeg -nostdin -hide_banner -loglevel error -y -r "$_fps" -f "${codec/h265/hevc}" \
            -i "$out/$file" -c copy -f segment -segment_format mpegts -segment_time 1 \
            -reset_timestamps 0 "$out/$name-tmp%d.ts"
        for t in "$out/$name"-tmp*.ts; do mv "$t" "${t/-tmp/-}"; done
    fi
    n=$(find "$out" -maxdepth 1 -name "$name-[0-9]*.ts" | wc -l)
    echo "$name $flv $n 1000" >>"$streams"
done <"$out/manifest.txt"
mv "$streams" "$out/streams.txt"
echo "make_clips: stream formats in $out/streams.txt"
