#!/usr/bin/python3
"""Start-up (fleet load), memory, a reload and SIGTERM of `camdex serve` on
a large index, without a simulator: the cameras of a generated fleet point
at a port nothing listens on, so every probe is refused at once. What it
measures honestly is what does not depend on the cameras answering: the
time (and CPU) to load the fleet, the memory a camera costs, how long a
reload (SIGHUP) pauses probing (the swap's time and CPU, and the longest
gap between two probe starts in the status lines around it), the time to
stop.

usage: serve1m.py CAMDEX DB   (the index made by `camdex generate --cameras
999999 > f.csv; camdex --db DB import f.csv`)"""
import os, re, signal, subprocess, sys, time
from procstat import cpu_s, memory_kib
camdex, db = sys.argv[1], sys.argv[2]
t0 = time.monotonic()
p = subprocess.Popen([camdex, "--db", db, "serve", "--interval", "60s", "--status-log", "10s",
                      "--log-level", "info", "--set", "http.listen="],
                     stderr=subprocess.PIPE, text=True)
serving = None
lines = []
def cpu():
    return cpu_s(p.pid)
def status():
    return memory_kib(p.pid)
while True:
    l = p.stderr.readline()
    if not l:
        break
    lines.append(l)
    if serving is None and "msg=serving" in l:
        serving = time.monotonic() - t0
        print(f"start-up to serving: {serving:.2f} s, CPU {cpu():.2f} s, {status()}", flush=True)
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
# A reload of the same inventory: the index is read beside probing, then swapped in.
mark = len(lines)
th = time.monotonic()
p.send_signal(signal.SIGHUP)
while not any("msg=reloaded" in l or "reload failed" in l for l in lines[mark:]):
    time.sleep(0.2)
print(f"SIGHUP to reloaded: {time.monotonic() - th:.2f} s", flush=True)
time.sleep(25)  # two status lines after it
for l in lines[mark:]:
    if "inventory reloaded" in l:
        print(l.strip())
gaps = [int(m.group(1)) for l in lines[max(mark - 2, 0):] for m in [re.search(r"start_gap_max_ms=(\d+)", l)] if m]
print(f"longest gap between probe starts around the reload: {max(gaps) if gaps else '?'} ms (windows: {gaps})")
t1 = time.monotonic()
c1 = cpu()
p.send_signal(signal.SIGTERM)
_, rc, ru = os.wait4(p.pid, 0)
print(f"SIGTERM to exit: {time.monotonic() - t1:.2f} s, CPU {ru.ru_utime + ru.ru_stime - c1:.2f} s, status {rc}")
for l in lines:
    if "msg=status" in l or "error" in l:
        print(l.strip()[:400])
