#!/usr/bin/python3
"""A prober's CPU per probe with publishing on, against the same camdex
standalone (not run by ctest): paired runs on one camfarm fleet.

Builds Release (unless --no-build), starts camfarm with a generated fleet
and its default fault mix (so cameras change state and there are events
to publish), a nats-server with JetStream on a free loopback port, and
imports the fleet once. Then, PAIRS times, it runs `camdex serve` on a fresh
copy of that index standalone and with `[cluster] role = prober` (a zone
of its own per run), alternating which goes first so that a change of the
machine's load falls on both. Each run waits one interval (every camera
probed once, the prober's inventory and first snapshot sent), then takes
camdex's CPU time (user + system, every thread: the publisher's included)
between two status lines MEASURE seconds apart, and the probes those
status lines count. Prints each run with the load average, then per mode
the median and the spread of CPU per probe, and the medians' ratio.

Usage: tests/bench/cluster_prober.py [--cameras 10000] [--interval 20]
       [--measure 60] [--pairs 3] [--snapshot-interval 10m]
       [--build build/rel] [--no-build]
Run it under the lock the integration tests take; it uses free ports.
"""
import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from children import stop, wait_line
from procstat import cpu_s, load

STATUS_S = 10  # the status line's period: probes are counted from it


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def one_run(a, camdex, work, template, mode, n, nats_url):
    db = f"{work}/run-{n}"
    shutil.copytree(template, db)
    conf = f"{work}/run-{n}.ini"
    with open(conf, "w") as f:
        # No API: its fixed port would collide with other services.
        f.write(f"[camdex]\nstatus_log = {STATUS_S}s\n[http]\nlisten =\n")
        if mode == "prober":
            f.write(f"[cluster]\nrole = prober\nzone = bench{n}\nnats = {nats_url}\n"
                    f"snapshot_interval = {a.snapshot_interval}\n")
    log_path = f"{work}/run-{n}.log"
    log = open(log_path, "w")
    serve = subprocess.Popen([camdex, "--db", db, "serve", "--config", conf, "--interval",
                              f"{a.interval}s", "--log-level", "info"],
                             stdout=subprocess.DEVNULL, stderr=log)
    try:
        time.sleep(a.interval + 2)  # every camera probed once; the first snapshot out
        if serve.poll() is not None:
            sys.exit(f"camdex serve ({mode}) ended: see {log_path}")
        status = r"msg=status .*probes_per_s=(\d+)"
        deadline = time.time() + a.measure + 4 * STATUS_S
        m, off = wait_line(log_path, status, os.path.getsize(log_path), deadline)
        if not m:
            sys.exit(f"no status line from camdex serve ({mode})")
        load0, cpu0, t0 = " ".join(load()), cpu_s(serve.pid), time.time()
        probes = 0.0
        while time.time() - t0 < a.measure - STATUS_S / 2:
            m, off = wait_line(log_path, status, off, deadline)
            if not m:
                sys.exit(f"status lines stopped from camdex serve ({mode})")
            probes += float(m.group(1)) * STATUS_S
        cpu1, t1 = cpu_s(serve.pid), time.time()
        published = ""
        if mode == "prober":
            with open(log_path) as f:
                text = f.read()
            if "cluster: connected to NATS" not in text:
                sys.exit(f"the prober never reached NATS: see {log_path}")
            if "publishing paused" in text:
                published = " (publishing paused during the run: see the log)"
        return {"mode": mode, "cpu": cpu1 - cpu0, "wall": t1 - t0, "probes": probes,
                "us": (cpu1 - cpu0) * 1e6 / probes if probes else float("nan"),
                "load": f"{load0} -> {' '.join(load())}", "note": published}
    finally:
        stop(serve, timeout=30)
        shutil.rmtree(db, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cameras", type=int, default=10000)
    ap.add_argument("--interval", type=int, default=20)
    ap.add_argument("--measure", type=int, default=60)
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--snapshot-interval", default="10m")
    ap.add_argument("--build", default="build/rel")
    ap.add_argument("--no-build", action="store_true")
    a = ap.parse_args()
    os.chdir(os.path.dirname(os.path.abspath(__file__)) + "/../..")
    b = a.build
    if not a.no_build:
        subprocess.run(["cmake", "-S", ".", "-B", b, "-DCMAKE_BUILD_TYPE=Release"], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run(["cmake", "--build", b, "-j", "2", "--target", "camdex", "camfarm",
                        "camfarm_clips"], check=True, stdout=subprocess.DEVNULL)
    camdex = f"{b}/camdex"
    work = tempfile.mkdtemp(prefix="camdex-prober-bench-")
    farm = nats = None
    try:
        fleet = f"{work}/fleet.csv"
        with open(fleet, "w") as f:
            subprocess.run([camdex, "generate", "--cameras", str(a.cameras)], stdout=f,
                           check=True)
        farm = subprocess.Popen([f"{b}/camfarm", "--inventory", fleet, "--clips",
                                 f"{b}/camfarm-clips", "--faults", "default", "--listen",
                                 "127.0.0.1:0", "--control", "127.0.0.1:0"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        ready = farm.stdout.readline()
        m = re.search(r"rtsp=\S+:(\d+)", ready)
        if "camfarm ready" not in ready or not m:
            sys.exit(f"camfarm did not start: {ready!r}")
        with open(fleet, "w") as f:
            subprocess.run([camdex, "generate", "--cameras", str(a.cameras), "--port",
                            m.group(1)], stdout=f, check=True)
        nport = free_port()
        nats_log = open(f"{work}/nats.log", "w+")
        nats = subprocess.Popen(["nats-server", "-js", "-a", "127.0.0.1", "-p", str(nport),
                                 "-sd", f"{work}/nats"], stdout=subprocess.DEVNULL,
                                stderr=nats_log)
        deadline = time.time() + 20
        while "Server is ready" not in open(f"{work}/nats.log").read():
            if time.time() > deadline or nats.poll() is not None:
                sys.exit("nats-server did not start")
            time.sleep(0.05)
        template = f"{work}/template"
        subprocess.run([camdex, "--db", template, "import", fleet], check=True,
                       stdout=subprocess.DEVNULL)
        runs = []
        for i in range(a.pairs):
            order = ["standalone", "prober"] if i % 2 == 0 else ["prober", "standalone"]
            for mode in order:
                r = one_run(a, camdex, work, template, mode, len(runs), f"nats://127.0.0.1:{nport}")
                runs.append(r)
                print(f"{mode:10s} {r['us']:7.1f} us/probe  ({r['cpu']:.2f} s CPU, "
                      f"{r['probes']:.0f} probes in {r['wall']:.0f} s; load {r['load']}){r['note']}",
                      flush=True)
        med = {}
        for mode in ("standalone", "prober"):
            v = [r["us"] for r in runs if r["mode"] == mode]
            med[mode] = statistics.median(v)
            print(f"{mode}: median {med[mode]:.1f} us a probe, spread {min(v):.1f}-{max(v):.1f} "
                  f"({len(v)} runs)")
        print(f"prober / standalone: {med['prober'] / med['standalone']:.3f} "
              f"({a.cameras} cameras, interval {a.interval} s, snapshot_interval "
              f"{a.snapshot_interval})")
    finally:
        stop(farm, nats, timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
