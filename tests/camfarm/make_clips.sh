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

# ---- Picture faults on photographs ----
# Real photographs (Debian's python3-skimage data) instead of a test
# pattern, so that picture measures meet edges, texture and colour as a
# street camera sees them. Healthy scenes are still, with sensor noise (a
# still picture without it would be frozen); fault clips look through a
# camera panning slowly over the photograph.
photos=${SKIMAGE_DATA:-/usr/lib/python3/dist-packages/skimage/data}
font=""
for f in /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc \
         /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc; do
    [ -s "$f" ] && { font=$f; break; }
done

# photo_clip NAME PHOTO FILTERS: a 640x360 H.264 25 fps clip of PHOTO.
photo_clip() {
    local name=$1 photo=$2 graph=$3
    local file="$name.h264"
    if [ ! -s "$out/$file" ]; then
        ffmpeg -nostdin -hide_banner -loglevel error -y -loop 1 -framerate 25 -i "$photos/$photo" \
            -vf "$graph" -frames:v $((secs * 25)) -pix_fmt yuv420p \
            -c:v libx264 -preset ultrafast -profile:v main -crf 30 -bf 0 -g 25 \
            -x264-params "repeat-headers=1:scenecut=0" -f h264 "$out/$file.tmp"
        mv "$out/$file.tmp" "$out/$file"
    fi
    echo "$name h264 640 360 25 $file" >>"$manifest"
}

if [ -d "$photos" ] && [ -s "$photos/motorcycle_left.png" ] && [ -s "$photos/coffee.png" ]; then
    still="scale=640:360:force_original_aspect_ratio=increase,crop=640:360"
    # A camera panning over the photograph: 800x450, a 640x360 window moving.
    pan="scale=800:450:force_original_aspect_ratio=increase,crop=800:450,crop=640:360:x='80+70*sin(2*PI*t/6)':y='45+35*sin(2*PI*t/9)'"
    street=motorcycle_left.png
    photo_clip scene       $street    "$still,noise=alls=6:allf=t"
    photo_clip scene2      coffee.png "$still,noise=alls=6:allf=t"
    photo_clip too_bright  $street    "$pan,lutyuv=y='clip(val*0.45+150,0,255)':u='128+(val-128)*0.4':v='128+(val-128)*0.4'"
    photo_clip occluded    $street    "$pan,drawbox=x=0:y=0:w=440:h=360:color=0x1c1c1c@1:t=fill"
    photo_clip color_cast  $street    "$pan,colorchannelmixer=rr=1:gg=0.45:bb=0.25"
    photo_clip stripes     $street    "$pan,geq=lum='lum(X,Y)*(0.6+0.4*sin(2*PI*(Y/18-T*3)))':cb='cb(X,Y)':cr='cr(X,Y)'"
    # Shaking: the window jumps tens of pixels from one frame to the next.
    photo_clip shaking     $street    "scale=800:450:force_original_aspect_ratio=increase,crop=800:450,crop=640:360:x='80+60*sin(n*2.3)':y='45+35*sin(n*1.7)'"
    clip bars h264 640 360 25 "smptebars=size=640x360:rate=25"
    if [ -n "$font" ]; then
        # An encoder that lost its camera: blue, "no video signal".
        clip signal_lost h264 640 360 25 "color=c=0x1030c0:size=640x360:rate=25,drawtext=fontfile=$font:text='无视频信号':fontsize=52:fontcolor=white:x=(w-text_w)/2:y=h/2-70,drawtext=fontfile=$font:text='NO VIDEO':fontsize=40:fontcolor=white:x=(w-text_w)/2:y=h/2+10"
    else
        echo "make_clips: no CJK font (fonts-noto-cjk or fonts-wqy-zenhei): signal_lost is plain blue" >&2
        clip signal_lost h264 640 360 25 "color=c=0x1030c0:size=640x360:rate=25"
    fi
else
    echo "make_clips: no photographs in $photos (apt-get install python3-skimage): picture-fault clips skipped" >&2
fi

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
