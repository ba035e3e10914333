#!/usr/bin/env bash
# Notification benchmark (not run by ctest): builds Release, makes a backlog
# of 43,000 events (a sweep of a generated fleet nobody serves: every camera
# goes offline), then times (1) a webhook catching up on that backlog into a
# local receiver (python3 http.server, checking every signature) at
# batch_max 100 and 1000, and (2) an event stream replaying it from
# last_event_id=0.
# Usage: tests/bench/notify.sh [BUILD_DIR]   (default build/bench-notify)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/bench-notify}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j 2 --target camdex >/dev/null
camdex=$PWD/$build/camdex
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
hook_port=$(free_port)
api_port=$(free_port)

cat > recv.py <<'PY'
import http.server, sys, hmac, hashlib, json, time
seen = [0]; t0 = [None]; target = int(sys.argv[2])
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def do_POST(self):
        body = self.rfile.read(int(self.headers['Content-Length']))
        if t0[0] is None: t0[0] = time.time()
        good = 'sha256=' + hmac.new(b's', body, hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(self.headers['X-Camdex-Signature'], good)
        seen[0] += len(json.loads(body)['events'])
        self.send_response(200 if ok else 400); self.send_header('Content-Length', '0'); self.end_headers()
        if seen[0] >= target:
            print("webhook: %d events in %.2f s" % (seen[0], time.time() - t0[0]), flush=True)
    def log_message(self, *a): pass
http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
PY

"$camdex" generate --cameras 43000 --seed 1 > fleet.csv
"$camdex" --db idx import fleet.csv >/dev/null
hook=(--set "webhook.bench.url=http://127.0.0.1:$hook_port/" --set webhook.bench.secret=s)
serve=(serve --interval 24h --set "http.listen=127.0.0.1:$api_port")
# The webhook exists before the events: its cursor is stored at 0.
"$camdex" --db idx "${serve[@]}" "${hook[@]}" 2>serve0.log & p=$!
until grep -q "msg=serving" serve0.log; do sleep 0.1; done
kill "$p"; wait "$p"
"$camdex" --db idx sweep >/dev/null 2>&1 || true
events=$(( $("$camdex" --db idx history --since 1h --format csv | wc -l) - 1 ))
echo "backlog: $events events"

for batch in 100 1000; do
    rm -rf run; cp -r idx run
    python3 recv.py "$hook_port" "$events" > "recv$batch.log" & r=$!; pids+=("$r")
    sleep 0.5
    "$camdex" --db run "${serve[@]}" "${hook[@]}" --set "webhook.bench.batch_max=$batch" 2>"serve$batch.log" & p=$!
    until grep -q "events in" "recv$batch.log"; do sleep 0.1; done
    echo "batch_max $batch: $(cat "recv$batch.log")"
    kill "$p"; wait "$p"; kill "$r"; wait "$r" 2>/dev/null || true
done

"$camdex" --db idx "${serve[@]}" 2>serve_sse.log & p=$!; pids+=("$p")
until grep -q "msg=serving" serve_sse.log; do sleep 0.1; done
for round in 1 2 3; do
python3 - "$api_port" "$events" <<'PY'
import socket, sys, time
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
want = int(sys.argv[2]); t = time.time()
s.sendall(b"GET /api/v1/events/stream?last_event_id=0 HTTP/1.1\r\nHost: x\r\n\r\n")
n = 0; total = 0; tail = b''
while n < want:
    d = s.recv(1 << 20)
    if not d: break
    total += len(d)
    n += (tail + d).count(b"\nid: ") - tail.count(b"\nid: ")
    tail = d[-8:]
print("event stream replay: %d events, %.1f MB in %.2f s" % (n, total / 1e6, time.time() - t))
PY
done
