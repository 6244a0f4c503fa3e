"""Running one command as a measured, bounded child process.

The command runs under GNU `/usr/bin/time`, which reports wait4's ru_maxrss
(the largest of the command and every descendant it reaped, e.g. its hooks:
what `time -v` prints as "Maximum resident set size") and the CPU seconds.
It must be an exec from a small process: a child forked from this Python
interpreter would carry the interpreter's ~60 MB high-water mark across exec.
Wall time is taken here around the whole thing (time's own cost, about a
millisecond, is the same for every client). The child gets its own process
group, so a timeout kills it and whatever it started.
"""

import os
import signal
import statistics
import subprocess
import threading
import time

# Process groups of measured children still running: the driver kills them on
# its way out (they are in their own sessions, so they would outlive it).
LIVE_GROUPS = set()


def kill_live():
    for pgid in list(LIVE_GROUPS):
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        LIVE_GROUPS.discard(pgid)


class Result:
    """One run: argv, exit status, wall seconds, peak RSS (KiB), CPU seconds, log path."""

    def __init__(self, argv, rc, wall, maxrss_kb, user, sys_, log, timed_out):
        self.argv = argv
        self.rc = rc
        self.wall = wall
        self.maxrss_kb = maxrss_kb
        self.cpu = None if user is None else user + sys_
        self.log = log
        self.timed_out = timed_out
        self.extra = {}

    @property
    def ok(self):
        return self.rc == 0 and not self.timed_out

    def log_tail(self, n=2000):
        try:
            with open(self.log, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - n))
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""


TIME = "/usr/bin/time"


def run(argv, env, log, cwd=None, timeout=120.0):
    """Run argv (stdout+stderr appended to `log`), bounded by `timeout` seconds."""
    usage = log + ".usage"
    with open(log, "ab") as logf:
        logf.write(("$ " + " ".join(argv) + "\n").encode())
        logf.flush()
        t0 = time.monotonic()
        proc = subprocess.Popen([TIME, "-o", usage, "-f", "%M %U %S"] + list(argv), env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
    LIVE_GROUPS.add(proc.pid)
    fired = threading.Event()

    def kill():
        fired.set()
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        _, status, _ = os.wait4(proc.pid, 0)
        wall = time.monotonic() - t0
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    try:  # stragglers in the group (a hook still running) go too
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    LIVE_GROUPS.discard(proc.pid)
    maxrss, user, sys_ = _read_usage(usage)
    return Result(argv, proc.returncode, wall, maxrss, user, sys_, log, fired.is_set())


def _read_usage(path):
    """(maxrss KiB, user s, sys s) from time's -o file; Nones when it has none (killed)."""
    try:
        with open(path) as f:
            lines = [ln.split() for ln in f.read().splitlines() if ln.strip()]
        os.unlink(path)
        m, u, s = lines[-1][-3:]  # time prefixes "Command exited with non-zero status N"
        return int(m), float(u), float(s)
    except (OSError, ValueError, IndexError):
        return None, None, None


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    values = sorted(values)
    if not values:
        return None
    k = max(0, min(len(values) - 1, int(round(p / 100.0 * len(values) + 0.5)) - 1))
    return values[k]
