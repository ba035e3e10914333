#!/usr/bin/env python3
"""The HTTP API under probing load: `camdex serve` probes a camfarm fleet at
the given interval while wrk (Debian's) asks for one unit's offline cameras
at a paced rate. Reports wrk's rate and latency percentiles, and the probe
rate (from camdex's own /metrics) in a window without API load and in the
window with it, so the cost of the API to probing shows as a percentage.

Usage: tests/bench/bench_api.py [--cameras 43000] [--interval 10]
       [--window 30] [--rate 1000] [--connections 20] [--build build/bench]
       [--extra "--set http.nice=-10"]
"""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from bench_serve import build, stop
from procstat import thread_cpu_s


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return r.read().decode()


def probes_total(port):
    """camdex_probes_total summed over results, read from /metrics."""
    text = get(port, "/metrics")
    return sum(float(m.group(1)) for m in
               re.finditer(r'^camdex_probes_total\{[^}]*\} (\S+)$', text, re.M))


def probe_rate(port, seconds):
    p0, t0 = probes_total(port), time.time()
    time.sleep(seconds)
    return (probes_total(port) - p0) / (time.time() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cameras", type=int, default=43000)
    ap.add_argument("--interval", type=int, default=10)
    ap.add_argument("--window", type=int, default=30)
    ap.add_argument("--rate", type=int, default=1000, help="requests per second to aim at")
    ap.add_argument("--connections", type=int, default=20)
    ap.add_argument("--build", default="build/bench")
    ap.add_argument("--extra", default="", help="more flags for camdex serve")
    a = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")

    root = os.path.dirname(os.path.abspath(__file__)) + "/../.."
    os.chdir(root)
    b = a.build
    build(b)
    camdex = f"{b}/camdex"
    work = tempfile.mkdtemp(prefix="camdex-bench-api-")
    farm = serve = None
    try:
        fleet = f"{work}/fleet.csv"
        rtsp = free_port()
        with open(fleet, "w") as f:
            subprocess.run([camdex, "generate", "--cameras", str(a.cameras), "--port",
                            str(rtsp)], stdout=f, check=True)
        farm = subprocess.Popen([f"{b}/camfarm", "--inventory", fleet, "--clips",
                                 f"{b}/camfarm-clips", "--faults", "default", "--listen",
                                 f"0.0.0.0:{rtsp}", "--control", f"127.0.0.1:{free_port()}"],
                                stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        if "camfarm ready" not in farm.stdout.readline():
            sys.exit("camfarm did not start")
        db = f"{work}/index"
        subprocess.run([camdex, "--db", db, "import", fleet], check=True,
                       stdout=subprocess.DEVNULL)
        port = free_port()
        serve = subprocess.Popen([camdex, "--db", db, "serve", "--interval", f"{a.interval}s",
                                  "--set", f"http.listen=127.0.0.1:{port}", "--log-level",
                                  "warn"] + a.extra.split(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(a.interval + 3)  # every camera probed once, offline ones known

        units = [u["id"] for u in json.loads(get(port, "/api/v1/units"))["units"]]
        script = f"{work}/offline.lua"
        # Each connection waits `pause` ms on average between requests: with
        # N connections that paces the total near the rate asked for (less
        # the ~1 ms a request takes). The wait is drawn at random (0 to
        # twice the mean), as independent clients would arrive: a fixed wait
        # keeps wrk's connections in lockstep, and every burst of N requests
        # at once queues behind itself (p99 6.4 ms without any probing, 2.5
        # ms with random waits).
        pause = max(0, round(1000 * a.connections / a.rate) - 1)
        with open(script, "w") as f:
            f.write("local units = {" + ",".join(f'"{u}"' for u in units) + "}\n"
                    "local i = 0\n"
                    "request = function()\n"
                    "  i = i + 1\n"
                    "  return wrk.format('GET', '/api/v1/cameras?state=offline&unit=' .."
                    " units[i % #units + 1])\n"
                    "end\n"
                    f"delay = function() return math.random(0, {2 * pause}) end\n"
                    "done = function(summary, latency, requests)\n"
                    "  io.write(string.format('non2xx %d\\n', summary.errors.status))\n"
                    "end\n")

        quiet = probe_rate(port, a.window)
        wrk = subprocess.Popen(["wrk", "-t1", f"-c{a.connections}", f"-d{a.window}s",
                                "--latency", "-s", script, f"http://127.0.0.1:{port}"],
                               stdout=subprocess.PIPE, text=True)
        http0 = thread_cpu_s(serve.pid, "camdex-http")
        time.sleep(1)  # wrk's connections are up
        loaded = probe_rate(port, a.window - 2)
        out = wrk.communicate()[0]
        http_cpu = thread_cpu_s(serve.pid, "camdex-http") - http0
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        pcts = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", out, re.M))
        non2xx = re.search(r"non2xx (\d+)", out)
        print(f"cameras {a.cameras}, interval {a.interval} s, {len(units)} units, "
              f"wrk -t1 -c{a.connections}, 0-{2 * pause} ms (random) between requests "
              f"per connection; serve {a.extra or 'defaults'}")
        print(f"API: {rps:.0f} requests/s of GET /api/v1/cameras?state=offline&unit=...; "
              f"latency p50 {pcts.get('50')}, p75 {pcts.get('75')}, p90 {pcts.get('90')}, "
              f"p99 {pcts.get('99')}; non-2xx {non2xx.group(1) if non2xx else '?'}")
        reqs = int(re.search(r"(\d+) requests in", out).group(1))
        print(f"HTTP thread CPU: {1e6 * http_cpu / reqs:.0f} us per request "
              f"({100 * http_cpu / a.window:.1f} % of one core)")
        print(f"probe rate: {quiet:.0f}/s without API load, {loaded:.0f}/s with it "
              f"({100 * (loaded - quiet) / quiet:+.1f} %)")
    finally:
        stop(serve, farm)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
