"""The processes a benchmark starts: stopping them, and waiting for a line
in a log they write. Shared by the benchmark scripts here."""
import re
import signal
import subprocess
import time


def stop(*procs, timeout=60):
    """SIGTERM each process still running, SIGKILL past `timeout` seconds."""
    for p in procs:
        if p and p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def wait_line(path, pattern, after, deadline):
    """The first whole line matching pattern past byte `after`: (its match,
    the offset past it), reading the log until the deadline (None then)."""
    rx = re.compile(pattern)
    while time.time() < deadline:
        with open(path) as f:
            f.seek(after)
            text = f.read()
        pos = 0
        for line in text.splitlines(keepends=True):
            if not line.endswith("\n"):
                break
            pos += len(line)
            m = rx.search(line)
            if m:
                return m, after + pos
        time.sleep(0.05)
    return None, after
