# Sourced by the benchmark scripts: a scratch directory removed at exit and
# a camfarm serving a generated fleet on free ports, stopped at exit.
#   farm_start NAME BUILD CAMERAS FAULTS
# sets work (the directory), pid (camfarm's), port (its RTSP port),
# http_port and rtmp_port (HLS/HTTP-FLV and RTMP) and leaves the fleet with
# those ports in $work/fleet_port.csv.

work=$(mktemp -d)
pid=
farm_cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi
    rm -rf "$work"
}
trap farm_cleanup EXIT

farm_start() {
    local name=$1 build=$2 cameras=$3 faults=$4 line
    # camfarm ignores the port in the URLs, so the fleet it loads can be
    # written before its port is known; port 0 avoids other camfarms.
    "$build/camdex" generate --cameras "$cameras" >"$work/fleet.csv"
    mkfifo "$work/ready"
    "$build/camfarm" --inventory "$work/fleet.csv" --clips "$build/camfarm-clips" \
        --faults "$faults" --listen 0.0.0.0:0 --control 127.0.0.1:0 \
        --http-listen 0.0.0.0:0 --rtmp-listen 0.0.0.0:0 >"$work/ready" \
        2>"$work/camfarm.err" &
    pid=$!
    # Held open for camfarm's lifetime, so a later write to stdout cannot kill it.
    exec 3<"$work/ready"
    read -r -t 60 line <&3 || { echo "$name: camfarm not ready:" >&2; cat "$work/camfarm.err" >&2; exit 1; }
    port=$(sed -n 's/.* rtsp=[^ ]*:\([0-9]*\) .*/\1/p' <<<"$line")
    http_port=$(sed -n 's/.* http=[^ ]*:\([0-9]*\).*/\1/p' <<<"$line")
    rtmp_port=$(sed -n 's/.* rtmp=[^ ]*:\([0-9]*\).*/\1/p' <<<"$line")
    [ -n "$port" ] && [ -n "$http_port" ] && [ -n "$rtmp_port" ] ||
        { echo "$name: no ports in camfarm's ready line: $line" >&2; exit 1; }
    echo "$name: $line"
    # The same fleet (generation is deterministic) with the port to dial.
    "$build/camdex" generate --cameras "$cameras" --port "$port" --http-port "$http_port" \
        --rtmp-port "$rtmp_port" >"$work/fleet_port.csv"
}
