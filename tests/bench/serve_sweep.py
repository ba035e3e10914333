#!/usr/bin/python3
"""CPU per probe of `camdex serve` against `camdex sweep` on the same fleet
(not run by ctest): paired, interleaved runs on one camfarm.

Starts camfarm with a generated fleet (`--faults none`: every camera
answers, so both commands make the same probes and neither re-checks),
imports it and runs one sweep (every camera's state known, its
credentials remembered). Then, PAIRS times, alternating which goes first:

- a repeat `camdex sweep`: its CPU time (user + system, every thread, from
  the kernel's accounting of the child) over the probes it made (the RTSP
  cameras: deep workers are off in both, so the platform cameras are
  skipped). It includes the sweep's start (the fleet read) and its end
  (the last commit, the summary): a fixed cost on top of the probes.
- `camdex serve` on the same index: after one interval (every camera
  probed once), its CPU time between two status lines MEASURE seconds
  apart, over the probes those lines count.

Deep workers are off in both (`deep.workers=0`): the comparison is of the
tier-1 probe's path, not of libav decodes. Prints each run with the load
average, then each command's median CPU per probe and the ratio.

Usage: tests/bench/serve_sweep.py [--cameras 43000] [--interval 20]
       [--measure 60] [--pairs 3] [--build build/rel]
       [--perf DIR] (a `perf record -g` of each serve window into DIR)
       [--before CAMDEX] (another build, run in the same pairs: before/after)
       [--sweeps-only]
"""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from children import stop, wait_line
from procstat import cpu_s, load

STATUS_S = 10  # the status line's period: probes are counted from it
SET = ["--set", "deep.workers=0", "--set", "http.listen="]


def run_sweep(camdex, db, probes):
    l0 = load()
    p = subprocess.Popen([camdex, "--db", db, "sweep"] + SET, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    t0 = time.time()
    try:
        _, status, ru = os.wait4(p.pid, 0)
    except BaseException:
        stop(p)
        raise
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode:
        sys.exit(f"camdex sweep failed ({p.returncode})")
    cpu = ru.ru_utime + ru.ru_stime
    return cpu / probes * 1e6, f"{probes} probes, {cpu:.2f} s CPU, " \
        f"{time.time() - t0:.1f} s wall, load {l0} / {load()}"


def run_serve(a, camdex, db, work, n):
    log_path = f"{work}/serve-{n}.log"
    log = open(log_path, "w")
    l0 = load()
    serve = subprocess.Popen([camdex, "--db", db, "serve", "--interval", f"{a.interval}s",
                              "--status-log", f"{STATUS_S}s", "--log-level", "info"] + SET,
                             stdout=subprocess.DEVNULL, stderr=log)
    perf = None
    try:
        time.sleep(a.interval + 2)
        if serve.poll() is not None:
            sys.exit(f"camdex serve ended: see {log_path}")
        status = r"msg=status .*probes_per_s=(\d+)"
        deadline = time.time() + a.measure + 6 * STATUS_S
        m, off = wait_line(log_path, status, os.path.getsize(log_path), deadline)
        if not m:
            sys.exit("no status line from camdex serve")
        if a.perf:
            perf = subprocess.Popen(["perf", "record", "-g", "-o", f"{a.perf}/serve-{n}.data",
                                     "-p", str(serve.pid)], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
        cpu0, t0 = cpu_s(serve.pid), time.time()
        probes = 0.0
        while time.time() - t0 < a.measure - STATUS_S / 2:
            m, off = wait_line(log_path, status, off, deadline)
            if not m:
                sys.exit("status lines stopped from camdex serve")
            probes += float(m.group(1)) * STATUS_S
        cpu1, t1 = cpu_s(serve.pid), time.time()
    finally:
        if perf:
            perf.send_signal(signal.SIGINT)
            perf.wait(timeout=120)
        stop(serve)
    cpu = cpu1 - cpu0
    last = [l for l in open(log_path) if "msg=status" in l][-1].split(" msg=status ")[-1]
    return cpu / probes * 1e6, f"{probes:.0f} probes, {cpu:.2f} s CPU, {t1 - t0:.0f} s, " \
        f"load {l0} / {load()}; the last status line: {last.strip()}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cameras", type=int, default=43000)
    ap.add_argument("--interval", type=int, default=20)
    ap.add_argument("--measure", type=int, default=60)
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--build", default="build/rel")
    ap.add_argument("--perf", default="")
    ap.add_argument("--before", default="", help="a second camdex binary to compare")
    ap.add_argument("--sweeps-only", action="store_true", help="no serve runs")
    a = ap.parse_args()
    camdex = os.path.abspath(f"{a.build}/camdex")
    work = tempfile.mkdtemp(prefix="camdex-serve-sweep-")
    farm = None
    try:
        fleet = f"{work}/fleet.csv"
        log = open(f"{work}/farm.log", "w")
        with open(fleet, "w") as f:
            subprocess.run([camdex, "generate", "--cameras", str(a.cameras)], stdout=f,
                           check=True)
        farm = subprocess.Popen([f"{a.build}/camfarm", "--inventory", fleet, "--clips",
                                 f"{a.build}/camfarm-clips", "--faults", "none", "--listen",
                                 "0.0.0.0:0", "--control", "127.0.0.1:0", "--http-listen",
                                 "0.0.0.0:0", "--rtmp-listen", "0.0.0.0:0"],
                                stdout=log, stderr=log)
        m, _ = wait_line(f"{work}/farm.log", r"camfarm ready .*rtsp=\S+:(\d+)", 0,
                         time.time() + 300)
        if not m:
            sys.exit(f"camfarm did not start: {open(f'{work}/farm.log').read()}")
        with open(fleet, "w") as f:
            subprocess.run([camdex, "generate", "--cameras", str(a.cameras), "--port",
                            m.group(1)], stdout=f, check=True)
        rtsp = sum(1 for line in open(fleet) if "rtsp://" in line)
        db = f"{work}/index"
        subprocess.run([camdex, "--db", db, "import", fleet], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([camdex, "--db", db, "sweep"] + SET, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        builds = [("", camdex)] + ([("before ", os.path.abspath(a.before))] if a.before else [])
        kinds = ("sweep",) if a.sweeps_only else ("sweep", "serve")
        runs = [(b, path, what) for b, path in builds for what in kinds]
        res = {}
        for n in range(a.pairs):
            for b, path, what in runs if n % 2 == 0 else runs[::-1]:
                if what == "sweep":
                    us, text = run_sweep(path, db, rtsp)
                else:
                    us, text = run_serve(a, path, db, work, f"{b.strip()}{n}")
                res.setdefault(b + what, []).append(us)
                print(f"pair {n + 1} {b}{what}: {us:.1f} µs a probe ({text})", flush=True)
        for b, _ in builds if not a.sweeps_only else []:
            sw, se = statistics.median(res[b + "sweep"]), statistics.median(res[b + "serve"])
            print(f"{b}{a.cameras} cameras ({rtsp} RTSP): sweep median {sw:.1f} µs a probe "
                  f"({min(res[b + 'sweep']):.1f}-{max(res[b + 'sweep']):.1f}), serve median "
                  f"{se:.1f} ({min(res[b + 'serve']):.1f}-{max(res[b + 'serve']):.1f}); "
                  f"serve / sweep {se / sw:.2f}")
    finally:
        stop(farm)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
