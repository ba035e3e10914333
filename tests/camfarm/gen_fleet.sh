#!/usr/bin/env bash
# Stand-in for `camdex generate`: writes an inventory CSV of N cameras on
# 127.1.0.1 and on (camera i, from 1, on 127.(1 + i / 65536).(i / 256 %
# 256).(i % 256): 127.16.x.y at 1,000,000) with the columns camdex imports.
# Every third camera is Dahua-style, the rest Hikvision-style.
# Usage: gen_fleet.sh N [PORT] [hik] > fleet.csv   ("hik": all Hikvision-style)
set -euo pipefail
n=${1:?usage: gen_fleet.sh N [PORT]}
port=${2:-8554}
style=${3:-mixed}
if [ "$n" -lt 1 ] || [ "$n" -gt 16000000 ]; then
    echo "gen_fleet: N must be 1..16000000 (one 127.x.y.z address each)" >&2
    exit 2
fi
awk -v n="$n" -v port="$port" -v style="$style" 'BEGIN {
    print "id,name,unit_id,unit_name,url,lat,lon,address,tags,resolution,fps"
    for (i = 0; i < n; i++) {
        a = i + 1
        ip = sprintf("127.%d.%d.%d", 1 + int(a / 65536), int(a / 256) % 256, a % 256)
        # 6-digit serial; the grassroots unit digits count the millions.
        id = sprintf("340100%02d001320%06d", int(i / 1000000), i % 1000000)
        unit = i % 212
        if (i % 3 == 2 && style != "hik") {
            url = sprintf("rtsp://admin:dh%04d@%s:%d/cam/realmonitor?channel=1&subtype=0", unit, ip, port)
        } else {
            url = sprintf("rtsp://admin:hk%04d@%s:%d/Streaming/Channels/101", unit, ip, port)
        }
        printf "%s,\"Camera %d, gate %d\",U%03d,Unit %d,%s,%.6f,%.6f,\"%d Example Road\",\"road,entrance\",1920x1080,25\n", \
            id, i, i % 7, unit, unit, url, 31.80 + (i % 1000) * 0.0001, 117.20 + int(i / 1000) * 0.0001, i
    }
}'
