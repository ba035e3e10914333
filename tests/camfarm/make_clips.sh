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

photos=${SKIMAGE_DATA:-/usr/lib/python3/dist-packages/skimage/data}
font=""
for f in /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc \
         /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc; do
    [ -s "$f" ] && { font=$f; break; }
done
have_photos=false
[ -s "$photos/motorcycle_left.png" ] && [ -s "$photos/astronaut.png" ] && have_photos=true
$have_photos || echo "make_clips: no photographs in $photos (apt-get install python3-skimage):" \
    "test patterns instead, which camdex's picture diagnosis may fault; picture-fault clips skipped" >&2

# encode NAME CODEC FPS FILE -- FFMPEG INPUT AND FILTER ARGUMENTS...
# No B-frames, so decode order is presentation order and RTP timestamps grow
# monotonically; headers repeat at every keyframe so a loop restart decodes.
# A clip is made again when its arguments change (NAME.args keeps them).
encode() {
    local name=$1 codec=$2 fps=$3 file=$4 enc
    shift 5
    if [ "$codec" = h264 ]; then
        enc=(-c:v libx264 -preset ultrafast -profile:v main -crf 30 -bf 0 -g "$fps"
             -x264-params "repeat-headers=1:scenecut=0" -f h264)
    else
        enc=(-c:v libx265 -preset ultrafast -crf 32 -g "$fps"
             -x265-params "bframes=0:repeat-headers=1:scenecut=0:log-level=error" -f hevc)
    fi
    local args="$* ${enc[*]} $secs"
    if [ ! -s "$out/$file" ] || [ "$(cat "$out/$name.args" 2>/dev/null)" != "$args" ]; then
        ffmpeg -nostdin -hide_banner -loglevel error -y "$@" \
            -frames:v $((secs * fps)) -pix_fmt yuv420p "${enc[@]}" "$out/$file.tmp"
        mv "$out/$file.tmp" "$out/$file"
        printf '%s' "$args" >"$out/$name.args"
    fi
}

# clip NAME CODEC WIDTH HEIGHT FPS FILTERGRAPH: a clip of a lavfi source.
clip() {
    local name=$1 codec=$2 w=$3 h=$4 fps=$5 graph=$6 file=$1.${2/hevc/h265}
    encode "$name" "$codec" "$fps" "$file" -- -f lavfi -i "$graph"
    echo "$name $codec $w $h $fps $file" >>"$manifest"
}

# live NAME CODEC WIDTH HEIGHT FPS PHOTO [FILTERS]: a live camera over a
# real photograph (Debian's python3-skimage data), so that camdex's picture
# measures meet edges, texture and colour as a street camera sees them: the
# view sways in a small circle (wind, a PTZ holding its preset; whole turns
# a clip, so the loop joins up) and the sensor adds noise to every picture.
# The view moves at least 2 pixels a picture: at this bit rate the encoder
# smooths a sensor's noise away, and a view that stood still for a picture
# would send two identical pictures, which is what a frozen encoder sends.
# At 5 fps it sways less, so that its moves stay alike (not shaking). FILTERS
# (after the view, before the noise) make a fault; without photographs the
# clip is a test pattern. At 25 fps the circle takes a second, so every
# keyframe (one a second) shows the same view: a look starts at a keyframe,
# and a fixed camera's looks see one scene (its reference picture's),
# wherever in the loop a live stream (HLS) finds it; at 5 fps a clip has one
# keyframe, and a turn a clip keeps the moves alike.
live() {
    local name=$1 codec=$2 w=$3 h=$4 fps=$5 photo=$6 extra=${7:-} file=$1.${2/hevc/h265}
    local sway=$((fps < 25 ? w / 128 : w > 640 ? w / 40 : 16)) turn=$((fps < 25 ? secs : 1)) graph
    extra=${extra:+$extra,}
    if $have_photos; then
        graph="scale=$((w + 4 * sway)):$((h + 4 * sway)):force_original_aspect_ratio=increase"
        graph+=",crop=$((w + 4 * sway)):$((h + 4 * sway))"
        graph+=",crop=$w:$h:x='$((2 * sway))+$sway*sin(2*PI*t/$turn)':y='$((2 * sway))+$sway*cos(2*PI*t/$turn)'"
        graph+=",${extra}noise=alls=6:allf=t"
        encode "$name" "$codec" "$fps" "$file" -- -loop 1 -framerate "$fps" -i "$photos/$photo" -vf "$graph"
    else
        encode "$name" "$codec" "$fps" "$file" -- -f lavfi -i "testsrc2=size=${w}x$h:rate=$fps"
    fi
    echo "$name $codec $w $h $fps $file" >>"$manifest"
}

street=motorcycle_left.png
# Healthy cameras, by size and rate (camfarm streams a row's size), and the
# video faults that keep the picture healthy.
live normal     h264 640 360 25 $street
live normal265  h265 640 360 25 $street
live hd         h264 1280 720 25 $street
live lowfps     h264 640 360 5  $street
live smallres   h264 352 288 25 $street
clip black      h264 640 360 25 "color=c=black:size=640x360:rate=25"
if $have_photos; then
    # One picture repeated, its sensor noise frozen in: a hung encoder.
    encode frozen h264 25 frozen.h264 -- -i "$photos/$street" \
        -vf "scale=640:360:force_original_aspect_ratio=increase,crop=640:360,noise=alls=6,loop=loop=-1:size=1"
    echo "frozen h264 640 360 25 frozen.h264" >>"$manifest"
else
    clip frozen h264 640 360 25 "testsrc2=size=640x360:rate=25,trim=end_frame=1,loop=loop=-1:size=1"
fi
live blurred    h264 640 360 25 $street "gblur=sigma=6"
# Snow: a failing sensor or cable, far above a sensor's own noise.
live noisy      h264 640 360 25 $street "noise=alls=25:allf=t"

# ---- Picture faults on photographs ----
# Still scenes with sensor noise (a still picture without it would be
# frozen): the reference picture and a turned camera's view. Encoded with
# x264's grain tuning, as camera encoders keep noise.
if $have_photos; then
    still="scale=640:360:force_original_aspect_ratio=increase,crop=640:360,noise=alls=8:allf=t"
    for s in "scene $street" "scene2 astronaut.png"; do
        set -- $s
        encode "$1" h264 25 "$1.h264" -- -loop 1 -framerate 25 -i "$photos/$2" -vf "$still" -tune grain
        echo "$1 h264 640 360 25 $1.h264" >>"$manifest"
    done
    live too_bright h264 640 360 25 $street "lutyuv=y='clip(val*0.45+150,0,255)':u='128+(val-128)*0.4':v='128+(val-128)*0.4'"
    # A grey board over two thirds of the lens, the rest of the view live
    # (a board near black would be a night sky's dark flat part, which the
    # diagnosis leaves out of "covered").
    live occluded   h264 640 360 25 $street "drawbox=x=0:y=0:w=440:h=360:color=0x484848@1:t=fill"
    live color_cast h264 640 360 25 $street "colorchannelmixer=rr=1:gg=0.45:bb=0.25"
    live stripes    h264 640 360 25 $street "geq=lum='lum(X,Y)*(0.6+0.4*sin(2*PI*(Y/18-T*3)))':cb='cb(X,Y)':cr='cr(X,Y)'"
    # Shaking: the window jumps tens of pixels from one frame to the next.
    encode shaking h264 25 shaking.h264 -- -loop 1 -framerate 25 -i "$photos/$street" -vf \
        "scale=800:450:force_original_aspect_ratio=increase,crop=800:450,crop=640:360:x='80+60*sin(n*2.3)':y='45+35*sin(n*1.7)',noise=alls=6:allf=t"
    echo "shaking h264 640 360 25 shaking.h264" >>"$manifest"
    clip bars h264 640 360 25 "smptebars=size=640x360:rate=25"
    if [ -n "$font" ]; then
        # An encoder that lost its camera: blue, "no video signal".
        clip signal_lost h264 640 360 25 "color=c=0x1030c0:size=640x360:rate=25,drawtext=fontfile=$font:text='无视频信号':fontsize=52:fontcolor=white:x=(w-text_w)/2:y=h/2-70,drawtext=fontfile=$font:text='NO VIDEO':fontsize=40:fontcolor=white:x=(w-text_w)/2:y=h/2+10"
        # A camera's OSD as cameras burn it (white, dark outline, time top
        # left, name bottom left) on a 1080p street with sensor noise; its
        # clock is years off (2020-01-01 08:00:00): right and wrong names
        # come from the inventory row of the camera that streams it.
        osd="scale=1920:1080:force_original_aspect_ratio=increase,crop=1920:1080,noise=alls=4:allf=t"
        osd="$osd,drawtext=fontfile=$font:text='2020-01-01 08\\:00\\:00':x=48:y=36:fontsize=60:fontcolor=white:borderw=3:bordercolor=black"
        osd="$osd,drawtext=fontfile=$font:text='河西大街东口':x=48:y=h-th-36:fontsize=60:fontcolor=white:borderw=3:bordercolor=black"
        if [ ! -s "$out/osd_wrong.h264" ]; then
            ffmpeg -nostdin -hide_banner -loglevel error -y -loop 1 -framerate 25 -i "$photos/$street" \
                -vf "$osd" -frames:v $((secs * 25)) -pix_fmt yuv420p \
                -c:v libx264 -preset ultrafast -profile:v main -crf 30 -bf 0 -g 25 \
                -x264-params "repeat-headers=1:scenecut=0" -f h264 "$out/osd_wrong.h264.tmp"
            mv "$out/osd_wrong.h264.tmp" "$out/osd_wrong.h264"
        fi
        echo "osd_wrong h264 1920 1080 25 osd_wrong.h264" >>"$manifest"
    else
        echo "make_clips: no CJK font (fonts-noto-cjk or fonts-wqy-zenhei): signal_lost is plain blue" >&2
        clip signal_lost h264 640 360 25 "color=c=0x1030c0:size=640x360:rate=25"
    fi
fi

# Field sizes (1080p, 4MP 2560x1440, 720p above): a camera whose inventory
# row names a size streams that size, and a low frame rate keeps the size
# (a noisy camera streams 640x360: the picture diagnosis finds the noise
# before the size).
# H.264 only: x265 takes minutes for a 1080p clip on a 2-core builder.
live fhd        h264 1920 1080 25 $street
live qhd        h264 2560 1440 25 $street
live lowfps_hd  h264 1280 720 5   $street
live lowfps_fhd h264 1920 1080 5  $street
live lowfps_qhd h264 2560 1440 5  $street
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
        [ "$out/$flv" -nt "$out/$file" ] || { ffmpeg -nostdin -hide_banner -loglevel error -y -r "$_fps" \
            -f h264 -i "$out/$file" -c copy -f flv "$out/$flv.tmp" && mv "$out/$flv.tmp" "$out/$flv"; }
    fi
    if [ ! "$out/$name-0.ts" -nt "$out/$file" ]; then
        rm -f "$out/$name"-[0-9]*.ts
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
