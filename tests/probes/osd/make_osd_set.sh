#!/usr/bin/env bash
# Pictures with a camera-like OSD burned in, for measuring how well the OSD
# is read: real photographs (Debian's python3-skimage data) at the sizes
# cameras stream, the time in the forms Hikvision- and Dahua-style firmware
# draws it and a Chinese camera name, white with a dark outline, in the
# corners cameras use, with a CJK font. Writes OUTDIR/NAME.y (8-bit luma,
# raw) and OUTDIR/labels.tsv: file, width, height, time (YYYY-MM-DD
# HH:MM:SS), name. Usage: make_osd_set.sh OUTDIR
set -euo pipefail
out=$1
mkdir -p "$out"
command -v ffmpeg >/dev/null || { echo "make_osd_set: ffmpeg not found (apt-get install ffmpeg)" >&2; exit 1; }
photos=/usr/lib/python3/dist-packages/skimage/data
[ -d "$photos" ] || { echo "make_osd_set: $photos missing (apt-get install python3-skimage)" >&2; exit 1; }
fonts=(/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc)
for f in "${fonts[@]}"; do
    [ -f "$f" ] || { echo "make_osd_set: font $f missing (fonts-wqy-zenhei, fonts-noto-cjk)" >&2; exit 1; }
done

images=(astronaut.png coffee.png chelsea.png rocket.jpg motorcycle_left.png retina.jpg
        brick.png grass.png gravel.png hubble_deep_field.jpg coins.png camera.png)
names=("北门主入口 01" "西区停车场 03" "人民路与解放路口" "第二中学东门" "火车站南广场 12"
       "市政府大楼 B2" "滨江公园 7号" "长途汽车站出口" "中心医院急诊" "开发区管委会"
       "新华书店门前" "体育馆西侧 05")
sizes=(1920x1080 1280x720 704x576 640x360)
weekdays=(星期日 星期一 星期二 星期三 星期四 星期五 星期六)

labels="$out/labels.tsv.tmp"
: >"$labels"
i=0
for p in "${!images[@]}"; do
    for s in "${sizes[@]}"; do
        w=${s%x*} h=${s#*x}
        name=${names[$(( (p + i) % ${#names[@]} ))]}
        # A time spread over the year and the day, seconds included.
        day=$(( 1 + (i * 7) % 28 )) month=$(( 1 + (i * 5) % 12 ))
        hh=$(( (i * 5) % 24 )) mm=$(( (i * 13) % 60 )) ss=$(( (i * 29) % 60 ))
        iso=$(printf '2026-%02d-%02d %02d:%02d:%02d' $month $day $hh $mm $ss)
        wd=${weekdays[$(date -d "${iso% *}" +%w)]}
        case $(( i % 3 )) in
            0) shown=$(printf '2026-%02d-%02d %s %02d:%02d:%02d' $month $day "$wd" $hh $mm $ss) ;;
            1) shown=$(printf '2026年%02d月%02d日 %s %02d:%02d:%02d' $month $day "$wd" $hh $mm $ss) ;;
            2) shown=$(printf '%02d-%02d-2026 %02d:%02d:%02d' $month $day $hh $mm $ss) ;;
        esac
        font=${fonts[$(( i % 2 ))]}
        fs=$(( h / 27 ))  # about 40 px at 1080 lines, as cameras draw it
        mx=$(( w / 40 )) my=$(( h / 30 ))
        if (( i % 2 )); then tx="w-tw-$mx" nx="$mx"; else tx="$mx" nx="w-tw-$mx"; fi
        esc_time=${shown//:/\\:}
        file=$(printf 'osd%03d.y' $i)
        ffmpeg -nostdin -hide_banner -loglevel error -y -i "$photos/${images[$p]}" -vf \
            "scale=$w:$h,format=yuv420p,drawtext=fontfile=$font:text='$esc_time':x=$tx:y=$my:fontsize=$fs:fontcolor=white:borderw=2:bordercolor=black,drawtext=fontfile=$font:text='$name':x=$nx:y=h-th-$my:fontsize=$fs:fontcolor=white:borderw=2:bordercolor=black" \
            -frames:v 1 -pix_fmt gray -f rawvideo "$out/$file.tmp"
        mv "$out/$file.tmp" "$out/$file"
        printf '%s\t%d\t%d\t%s\t%s\n' "$file" $w $h "$iso" "$name" >>"$labels"
        i=$(( i + 1 ))
    done
done
mv "$labels" "$out/labels.tsv"
echo "make_osd_set: $i pictures in $out"
