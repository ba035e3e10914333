"""What /proc says of a process a benchmark runs, and of the machine: CPU
seconds (user + system, of every thread or of one), memory as the kernel
counts it, the load average. Shared by the benchmark scripts here, so that
every figure they print is read the same way."""
import os

MEMORY_KEYS = ("VmRSS", "RssAnon", "RssFile")


def _stat_cpu_s(path):
    with open(path) as f:
        # The command name may hold spaces and parentheses: fields count
        # from the last ")".
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_s(pid):
    """CPU seconds the process has used so far, every thread's."""
    return _stat_cpu_s(f"/proc/{pid}/stat")


def thread_cpu_s(pid, name):
    """CPU seconds of the process's thread called `name` (nan: no such thread)."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/comm") as f:
            if f.read().strip() != name:
                continue
        return _stat_cpu_s(f"/proc/{pid}/task/{tid}/stat")
    return float("nan")


def memory_kib(pid, keys=MEMORY_KEYS):
    """The process's /proc/PID/status lines named in `keys`, in KiB; empty
    once the process is gone."""
    vals = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in keys:
                    vals[k] = int(v.split()[0])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return vals


def load():
    """The machine's load averages over 1, 5 and 15 minutes, as printed."""
    with open("/proc/loadavg") as f:
        return f.read().split()[:3]
