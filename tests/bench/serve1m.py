#!/usr/bin/python3
"""Start-up (fleet load), memory and SIGTERM of `camdex serve` on a large
index, without a simulator: the cameras of a generated fleet point at a
port nothing listens on, so every probe is refused at once. What it
measures honestly is what does not depend on the cameras answering: the
time to load the fleet, the memory a camera costs, the time to stop.

usage: serve1m.py CAMDEX DB   (the index made by `camdex generate --cameras
999999 > f.csv; camdex --db DB import f.csv`)"""
import signal, subprocess, sys, time
camdex, db = sys.argv[1], sys.argv[2]
t0 = time.monotonic()
p = subprocess.Popen([camdex, "--db", db, "serve", "--interval", "60s", "--status-log", "10s",
                      "--log-level", "info", "--set", "http.listen="],
                     stderr=subprocess.PIPE, text=True)
serving = None
lines = []
def status():
    d = {}
    for l in open(f"/proc/{p.pid}/status"):
        k, _, v = l.partition(":")
        if k in ("RssAnon", "RssFile", "VmRSS"):
            d[k] = int(v.split()[0])
    return d
while True:
    l = p.stderr.readline()
    if not l:
        break
    lines.append(l)
    if serving is None and "msg=serving" in l:
        serving = time.monotonic() - t0
        print(f"start-up to serving: {serving:.2f} s, {status()}", flush=True)
        break
peak = {}
end = time.monotonic() + 45
import threading
def reader():
    for l in p.stderr:
        lines.append(l)
threading.Thread(target=reader, daemon=True).start()
while time.monotonic() < end:
    for k, v in status().items():
        peak[k] = max(peak.get(k, 0), v)
    time.sleep(0.5)
print(f"after 45 s: peak {peak} KiB; anon a camera {peak['RssAnon'] * 1024 / 999999:.0f} B", flush=True)
t1 = time.monotonic()
p.send_signal(signal.SIGTERM)
rc = p.wait()
print(f"SIGTERM to exit: {time.monotonic() - t1:.2f} s, rc {rc}")
for l in lines:
    if "msg=status" in l or "error" in l:
        print(l.strip()[:400])
