#!/usr/bin/python3
"""Runs a command and prints its wall time, CPU time and peak memory split
the way the figures need it: anonymous memory (what the process allocated)
apart from the file pages it maps (the index, read through LMDB's map),
which the kernel can drop at will. getrusage's maxrss adds the two.

usage: peakmem.py [--label TEXT] -- COMMAND [ARGS...]
prints: LABEL wall_s=.. cpu_s=.. anon_peak_mib=.. file_peak_mib=.. rss_peak_mib=.. rc=..
"""
import resource
import subprocess
import sys
import time

from procstat import memory_kib


def main():
    args = sys.argv[1:]
    label = "run"
    if args[:1] == ["--label"]:
        label, args = args[1], args[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        sys.exit(__doc__)
    t0 = time.monotonic()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    peak = {"RssAnon": 0, "RssFile": 0, "VmRSS": 0}
    # 10 ms samples: an import's peaks last seconds; a peak shorter than a
    # sample is missed, which the rss_peak from getrusage shows.
    while p.poll() is None:
        for k, v in memory_kib(p.pid).items():
            if k in peak and v > peak[k]:
                peak[k] = v
        time.sleep(0.01)
    wall = time.monotonic() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"{label} wall_s={wall:.2f} cpu_s={ru.ru_utime + ru.ru_stime:.2f} "
          f"anon_peak_mib={peak['RssAnon'] / 1024:.0f} file_peak_mib={peak['RssFile'] / 1024:.0f} "
          f"rss_peak_mib={ru.ru_maxrss / 1024:.0f} rc={p.returncode}", flush=True)
    return p.returncode


if __name__ == "__main__":
    sys.exit(main())
