#!/usr/bin/env python3
"""Steady-state benchmark of `camdex serve` against camfarm on this machine.

Starts camfarm with a generated fleet and its default fault mix, imports the
fleet, runs `camdex serve` at the given interval, lets one interval pass so
every camera has been probed, then for MEASURE seconds samples camdex's CPU
time and RSS, reads its status lines (probe rate, schedule lag p99, commit
time), and kills healthy cameras at random moments through camfarm's control
channel to time how long each takes to be reported offline.

Usage: tests/bench/bench_serve.py [--cameras 43000] [--interval 10]
       [--measure 60] [--kills 40] [--build build/bench] [--perf FILE] [--smaps FILE]
       [--warmup SECONDS] [--queries N]

camfarm listens on free ports, so several runs can share a machine.
--perf records a profile of camdex over the measuring window
(`perf record -g`; read it with `perf report -i FILE --no-children`).
"""
import argparse
import csv
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from procstat import cpu_s, load, memory_kib


def control(port, cmd):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall((cmd + "\n").encode())
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.decode().strip()


def build(b):
    """Release build of camdex, camfarm and its clips in `b`."""
    subprocess.run(["cmake", "-S", ".", "-B", b, "-DCMAKE_BUILD_TYPE=Release"], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", b, "-j", str(os.cpu_count()), "--target", "camdex",
                    "camfarm", "camfarm_clips"], check=True, stdout=subprocess.DEVNULL)


def stop(*procs):
    """SIGTERM, then SIGKILL after 30 s, for every process still running."""
    for p in procs:
        if p and p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def run_queries(camdex, db, sizes, runs):
    """The operators' queries while serve probes: `units` and `list --state
    offline --unit U` for the unit of median size and for the largest (sizes:
    cameras per unit id), RUNS times each; the median wall time and CPU (of
    the child) of each."""
    order = sorted(sizes, key=sizes.get)
    median_unit, largest = order[len(order) // 2], order[-1]
    out = []
    for label, args in (("units", ["units"]),
                        (f"list --state offline --unit (median, {sizes[median_unit]} cameras)",
                         ["list", "--state", "offline", "--unit", median_unit]),
                        (f"list --state offline --unit (largest, {sizes[largest]} cameras)",
                         ["list", "--state", "offline", "--unit", largest])):
        walls, cpus, rows = [], [], 0
        for _ in range(runs):
            r0 = os.times()
            t = time.monotonic()
            done = subprocess.run([camdex, "--db", db] + args, capture_output=True, text=True)
            walls.append((time.monotonic() - t) * 1000)
            r1 = os.times()
            cpus.append((r1.children_user + r1.children_system - r0.children_user
                         - r0.children_system) * 1000)
            rows = max(0, len(done.stdout.splitlines()) - 1)
        walls.sort()
        cpus.sort()
        out.append(f"query {label}: median {walls[len(walls) // 2]:.1f} ms "
                   f"(range {walls[0]:.1f}-{walls[-1]:.1f}), CPU {cpus[len(cpus) // 2]:.0f} ms, "
                   f"~{rows} lines")
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cameras", type=int, default=43000)
    ap.add_argument("--interval", type=int, default=10)
    ap.add_argument("--measure", type=int, default=60)
    ap.add_argument("--kills", type=int, default=40)
    ap.add_argument("--build", default="build/bench")
    ap.add_argument("--extra", default="", help="more flags for camdex serve")
    ap.add_argument("--perf", default="", help="record a perf profile of camdex into FILE")
    ap.add_argument("--smaps", default="",
                    help="copy camdex's /proc/PID/smaps at the end of the window into FILE")
    ap.add_argument("--no-build", action="store_true", help="use the build as it is")
    ap.add_argument("--queries", type=int, default=0,
                    help="after the window, time the operators' queries N times each")
    ap.add_argument("--warmup", type=int, default=0,
                    help="seconds of serve before measuring (default: an interval + 2)")
    a = ap.parse_args()

    root = os.path.dirname(os.path.abspath(__file__)) + "/../.."
    os.chdir(root)
    b = a.build
    if not a.no_build:
        build(b)
    camdex = f"{b}/camdex"
    work = tempfile.mkdtemp(prefix="camdex-bench-")
    farm = serve = None
    try:
        fleet = f"{work}/fleet.csv"
        with open(fleet, "w") as f:
            subprocess.run([camdex, "generate", "--cameras", str(a.cameras)], stdout=f,
                           check=True)
        # camfarm ignores the port in the URLs: it serves the fleet on
        # whatever port it got, and the index gets the same fleet with it.
        farm = subprocess.Popen([f"{b}/camfarm", "--inventory", fleet, "--clips",
                                 f"{b}/camfarm-clips", "--faults", "default", "--listen",
                                 "0.0.0.0:0", "--control", "127.0.0.1:0"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        ready = farm.stdout.readline()
        m = re.search(r"rtsp=\S+:(\d+) control=\S+:(\d+)", ready)
        if "camfarm ready" not in ready or not m:
            sys.exit("camfarm did not start")
        port, ctl = int(m.group(1)), int(m.group(2))
        with open(fleet, "w") as f:
            subprocess.run([camdex, "generate", "--cameras", str(a.cameras), "--port",
                            str(port)], stdout=f, check=True)
        db = f"{work}/index"
        subprocess.run([camdex, "--db", db, "import", fleet], check=True,
                       stdout=subprocess.DEVNULL)
        # Healthy RTSP cameras to kill: mode ok in camfarm's view; and the
        # units' sizes for the queries. Read from the fleet file as it
        # streams by (a million rows fit no document).
        rtsp, unit_sizes = [], {}
        with open(fleet, newline="") as f:
            for r in csv.DictReader(f):
                if r["url"].startswith("rtsp://"):
                    rtsp.append(r["id"])
                unit_sizes[r["unit_id"]] = unit_sizes.get(r["unit_id"], 0) + 1
        random.seed(7)
        candidates = random.sample(rtsp, min(len(rtsp), a.kills * 4))
        victims = []
        for cid in candidates:
            st = json.loads(control(ctl, f"stats {cid}"))
            if st.get("mode") == "ok":
                victims.append(cid)
            if len(victims) == a.kills:
                break

        log = open(f"{work}/serve.log", "w+")
        cmd = [camdex, "--db", db, "serve", "--interval", f"{a.interval}s", "--status-log",
               f"{a.interval}s", "--log-level", "info"] + a.extra.split()
        serve = subprocess.Popen(cmd, stderr=log, stdout=subprocess.DEVNULL)
        # One full interval: every camera probed once (and, on a large
        # index, the start-up before it: --warmup).
        time.sleep(a.warmup if a.warmup else a.interval + 2)

        perf = None
        if a.perf:
            perf = subprocess.Popen(["perf", "record", "-g", "-o", a.perf, "-p",
                                     str(serve.pid)], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
        load0 = load()
        cpu0 = cpu_s(serve.pid)
        t0 = time.time()
        rss_max = {"VmRSS": 0, "RssAnon": 0, "RssFile": 0}
        kill_at = sorted(random.uniform(0, a.measure - a.interval * 2.5)
                         for _ in victims)
        killed = {}
        i = 0
        while time.time() - t0 < a.measure:
            now = time.time() - t0
            while i < len(victims) and kill_at[i] <= now:
                control(ctl, f"kill {victims[i]}")
                killed[victims[i]] = time.time()
                i += 1
            rss = memory_kib(serve.pid)
            for k in rss_max:
                rss_max[k] = max(rss_max[k], rss.get(k, 0) * 1024)
            time.sleep(0.05)
        cpu1 = cpu_s(serve.pid)
        wall = time.time() - t0
        queries = run_queries(camdex, db, unit_sizes, a.queries) if a.queries else []
        if a.smaps:
            shutil.copyfile(f"/proc/{serve.pid}/smaps", a.smaps)
        load1 = load()
        if perf:
            perf.send_signal(signal.SIGINT)
            perf.wait(timeout=60)
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)

        log.seek(0)
        lines = log.read().splitlines()
        detect = []
        for line in lines:
            m = re.search(r'^ts=(\S+) .*msg="state change" camera=(\S+) .*to=offline', line)
            if m and m.group(2) in killed:
                ts = time.mktime(time.strptime(m.group(1)[:19], "%Y-%m-%dT%H:%M:%S")) \
                    - time.timezone + float("0." + m.group(1)[20:23])
                detect.append(ts - killed.pop(m.group(2)))
        status = [l for l in lines if 'msg=status' in l]
        rates = [float(re.search(r"probes_per_s=(\d+)", l).group(1)) for l in status[1:]]
        lags = [int(re.search(r"lag_p99_ms=(\d+)", l).group(1)) for l in status[1:]]
        commits = [float(re.search(r"commit_ms=([\d.]+)", l).group(1)) for l in status[1:]]
        commit_p99 = [re.search(r"commit_p99_ms=(\S+)", l) for l in status[1:]]
        batches = [re.search(r"commit_batch=(\d+)", l) for l in status[1:]]
        detect.sort()

        def pct(v, p):
            return v[min(len(v) - 1, int(len(v) * p / 100))] if v else float("nan")

        print(f"cameras {a.cameras}, interval {a.interval} s, measured {wall:.0f} s")
        print(f"load average before {' '.join(load0)}, after {' '.join(load1)}")
        print(f"camdex CPU: {100 * (cpu1 - cpu0) / wall:.1f} % of one core")
        print(f"camdex RSS max: {rss_max['VmRSS'] / 1048576:.1f} MiB "
              f"({rss_max['VmRSS'] / a.cameras:.0f} bytes per camera); of it anonymous "
              f"{rss_max['RssAnon'] / 1048576:.1f} MiB "
              f"({rss_max['RssAnon'] / a.cameras:.0f} bytes per camera), "
              f"index pages mapped from the file {rss_max['RssFile'] / 1048576:.1f} MiB")
        print(f"probe rate per status line: {rates}")
        print(f"schedule lag p99 per status line (bucket bound, ms): {lags}")
        print(f"commit time at status lines (ms): {commits}")
        print(f"commit p99 per status line (ms): {[m.group(1) for m in commit_p99 if m]}")
        print(f"commit batch (health updates) at status lines: {[int(m.group(1)) for m in batches if m]}")
        print(f"killed {len(victims)} cameras, detected {len(detect)}: "
              f"p50 {pct(detect, 50):.1f} s, p99 {pct(detect, 99):.1f} s, "
              f"max {max(detect) if detect else float('nan'):.1f} s; "
              f"undetected in the window: {len(killed)}")
        for q in queries:
            print(q)
    finally:
        stop(serve, farm)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
