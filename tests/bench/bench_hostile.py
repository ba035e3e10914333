#!/usr/bin/env python3
"""The HTTP API under hostile clients: `camdex serve` on a generated index
while one client (from 127.0.0.2) holds --stalled connections with half a
request head each, then --bodies connections each declaring a 1 MB body
without a token and sending 900 KB of it; meanwhile another client (from
127.0.0.1) sends --requests GET /api/v1/summary, one at a time, each on a
new connection. Reports the normal client's latency percentiles in each
phase and the service's RSS.

Usage: tests/bench/bench_hostile.py [--build build/rel] [--stalled 1000]
       [--bodies 200] [--requests 500]
"""
import argparse
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from procstat import memory_kib

TOKEN = "bench-ro-token"


def hostile_socket(port):
    s = socket.socket()
    s.bind(("127.0.0.2", 0))
    s.connect(("127.0.0.1", port))
    return s


def normal_requests(port, n):
    """Latencies (ms) of n requests, each on its own connection."""
    req = (f"GET /api/v1/summary HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
           f"Authorization: Bearer {TOKEN}\r\n\r\n").encode()
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            s.sendall(req)
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        if not data.startswith(b"HTTP/1.1 200"):
            sys.exit(f"normal request answered: {data[:80]!r}")
        out.append((time.perf_counter() - t0) * 1000)
    return sorted(out)


def pct(xs, p):
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]


def report(name, lat, pid):
    print(f"{name}: {len(lat)} requests, p50 {pct(lat, 50):.2f} ms, p99 {pct(lat, 99):.2f} ms, "
          f"max {lat[-1]:.2f} ms; camdex RSS {memory_kib(pid).get('VmRSS', -1) / 1024:.1f} MiB", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build/rel")
    ap.add_argument("--stalled", type=int, default=1000)
    ap.add_argument("--bodies", type=int, default=200)
    ap.add_argument("--requests", type=int, default=500)
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    camdex = os.path.abspath(os.path.join(args.build, "indexer", "camdex"))
    if not os.path.exists(camdex):
        camdex = os.path.abspath(os.path.join(args.build, "camdex"))
    tmp = tempfile.mkdtemp()
    try:
        db = os.path.join(tmp, "index")
        fleet = os.path.join(tmp, "fleet.csv")
        with open(fleet, "w") as f:
            subprocess.run([camdex, "generate", "--cameras", "43000"], stdout=f, check=True)
        subprocess.run([camdex, "--db", db, "import", fleet], check=True,
                       stdout=subprocess.DEVNULL)
        serve = subprocess.Popen(
            [camdex, "--db", db, "serve", "--interval", "3600s", "--set",
             "http.listen=127.0.0.1:0", "--set", f"http.token_ro={TOKEN}", "--set",
             "http.token_rw=bench-rw-token", "--set", "http.max_body=1048576",
             "--set", "http.header_timeout=60s", "--log-level", "info"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        port = None
        for line in serve.stdout:
            if "http listening" in line:
                port = int(line.split("address=127.0.0.1:")[1].split()[0])
                break
        if not port:
            sys.exit("serve did not listen")
        report("no hostile client", normal_requests(port, args.requests), serve.pid)
        stalled = []
        for _ in range(args.stalled):
            s = hostile_socket(port)
            s.sendall(b"GET /api/v1/summary HTTP/1.1\r\nHost: localhost\r\nAuthor")
            stalled.append(s)
        report(f"{args.stalled} stalled heads open", normal_requests(port, args.requests),
               serve.pid)
        body = b"x" * 900000
        held = []
        for _ in range(args.bodies):
            s = hostile_socket(port)
            s.setblocking(False)
            try:
                s.send(b"POST /api/v1/inventory HTTP/1.1\r\nHost: localhost\r\n"
                       b"Content-Type: text/csv\r\nContent-Length: 1000000\r\n\r\n")
                s.send(body)
            except (BlockingIOError, ConnectionError):
                pass
            held.append(s)
        report(f"and {args.bodies} unauthenticated 1 MB bodies", normal_requests(
            port, args.requests), serve.pid)
        for s in stalled + held:
            s.close()
        serve.terminate()
        serve.wait(timeout=30)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
