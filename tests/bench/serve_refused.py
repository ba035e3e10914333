#!/usr/bin/python3
"""CPU a probe of `camdex serve`, and of its writer thread, on a large index
whose cameras point at a port nothing listens on (not run by ctest): every
probe is refused at once, so nothing measured depends on a simulator
keeping up, and every probe still leaves a health update to commit. For
paired runs of two builds on the same index, alternating.

Each run serves for one interval (every camera probed once), then takes
camdex's CPU time (every thread) and its writer thread's between two status
lines MEASURE seconds apart, over the probes those lines count.

usage: serve_refused.py DB INTERVAL_S MEASURE_S PAIRS CAMDEX [CAMDEX...]
  (DB made by `camdex generate --cameras N --port 9 > f.csv;
   camdex --db DB import f.csv`)"""
import os, re, signal, statistics, subprocess, sys, tempfile, time

from procstat import cpu_s, load, thread_cpu_s

STATUS_S = 10


def one(camdex, db, interval, measure):
    log = tempfile.NamedTemporaryFile("w+", prefix="camdex-refused-", suffix=".log")
    p = subprocess.Popen([camdex, "--db", db, "serve", "--interval", f"{interval}s",
                          "--status-log", f"{STATUS_S}s", "--log-level", "info", "--set",
                          "http.listen=", "--set", "deep.workers=0"],
                         stdout=subprocess.DEVNULL, stderr=log)
    try:
        rx = re.compile(r"msg=status .*probes_per_s=(\d+)")
        seen = 0

        def next_status(deadline):
            nonlocal seen
            while time.time() < deadline:
                lines = [l for l in open(log.name) if "msg=status" in l]
                if len(lines) > seen:
                    seen += 1
                    return lines[seen - 1]
                if p.poll() is not None:
                    sys.exit(f"camdex serve ended: {open(log.name).read()[-2000:]}")
                time.sleep(0.1)
            sys.exit("no status line")

        # Start-up (the fleet read), then one interval: every camera probed.
        next_status(time.time() + 600)
        t_first = time.time()
        while time.time() - t_first < interval:
            next_status(time.time() + 600)
        l0, c0, w0 = load(), cpu_s(p.pid), thread_cpu_s(p.pid, "camdex-writer")
        probes, t0, last = 0.0, time.time(), ""
        while time.time() - t0 < measure - STATUS_S / 2:
            last = next_status(time.time() + 4 * STATUS_S)
            probes += float(rx.search(last).group(1)) * STATUS_S
        c1, w1 = cpu_s(p.pid), thread_cpu_s(p.pid, "camdex-writer")
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=120)
    return ((c1 - c0) / probes * 1e6, (w1 - w0) / probes * 1e6,
            f"{probes:.0f} probes, load {l0} / {load()}; "
            f"{last.split(' msg=status ')[-1].strip()}")


def main():
    db, interval, measure, pairs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
        int(sys.argv[4])
    builds = sys.argv[5:]
    res = {b: [] for b in builds}
    for n in range(pairs):
        for b in builds if n % 2 == 0 else builds[::-1]:
            total, writer, text = one(b, db, interval, measure)
            res[b].append((total, writer))
            print(f"pair {n + 1} {b}: {total:.1f} µs a probe, writer {writer:.1f} ({text})",
                  flush=True)
    for b in builds:
        t = statistics.median(r[0] for r in res[b])
        w = statistics.median(r[1] for r in res[b])
        print(f"{b}: median {t:.1f} µs a probe, of it the writer {w:.1f}")


if __name__ == "__main__":
    main()
