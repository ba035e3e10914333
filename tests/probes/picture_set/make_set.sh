#!/bin/sh
# Make the labelled picture set's HALF (report by default) into DIR, serve
# it over HTTP and judge every clip with picture_report; exit status is
# picture_report's (1: a target missed).
# usage: make_set.sh PICTURE_REPORT DIR TARGET_PCT [HALF] [--measures]
set -eu
report=$1 dir=$2 target=$3 half=${4:-report}
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$dir"
mkdir -p "$dir"
/usr/bin/python3 "$here/make_set.py" "$dir" "$half"
# The server says its port in its first line; the pipe hands it over as
# soon as it is written (and ends it if the server dies first).
mkfifo "$dir/ready"
/usr/bin/python3 -u -m http.server --bind 127.0.0.1 --directory "$dir" 0 \
    >"$dir/ready" 2>"$dir/http.log" &
server=$!
trap 'kill $server 2>/dev/null' EXIT
exec 3<"$dir/ready"
IFS= read -r line <&3 || true
port=$(echo "$line" | sed -n 's/.* port \([0-9]*\).*/\1/p')
[ -n "$port" ] || { echo "python3 -m http.server did not start: $line" >&2; exit 1; }
shift 3
[ $# -gt 0 ] && shift
"$report" "http://127.0.0.1:$port" "$dir/labels.txt" --target "$target" "$@"
