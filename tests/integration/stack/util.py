"""Small helpers shared by the stack components: ports, polling, processes, TLS files.

Everything here is plain standard library so the stack runs under Debian's
/usr/bin/python3 without extra packages.
"""

import ctypes
import datetime
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

LOCALHOST = "127.0.0.1"


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def parse_utc(s):
    """An RFC 3339 UTC time as aaa writes it ("2026-01-02T03:04:05Z")."""
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)


def iso_utc(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def free_port(kind=socket.SOCK_STREAM):
    """Return a port on 127.0.0.1 that is free right now for `kind` (TCP or UDP).

    The port is released before returning, so a race with another process is
    possible; callers that bind themselves should retry on EADDRINUSE.
    """
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((LOCALHOST, 0))
        return s.getsockname()[1]


def free_port_tcp_udp():
    """A port that is free for both TCP and UDP (a DNS server listens on both)."""
    for _ in range(50):
        port = free_port(socket.SOCK_STREAM)
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                u.bind((LOCALHOST, port))
            return port
        except OSError:
            continue
    raise RuntimeError("no port free for both TCP and UDP")


def wait_until(predicate, timeout, interval=0.05, what="condition"):
    """Poll `predicate()` until it returns a true value or `timeout` seconds pass.

    Exceptions from the predicate count as "not yet"; the last one is shown in
    the TimeoutError so a failed startup says why.
    """
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready yet"
            last_exc = exc
        if time.monotonic() >= deadline:
            detail = f": {last_exc!r}" if last_exc else ""
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}{detail}")
        time.sleep(interval)


def tcp_open(port, host=LOCALHOST):
    """True when something accepts TCP connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def _die_with_parent():
    """preexec_fn: ask Linux to SIGTERM the child when the process that started it dies,
    so a test run killed with SIGKILL leaves no moto or pebble behind."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Process:
    """A child process with its output in a log file, stopped reliably.

    The child gets its own process group so stop() also ends anything it forks
    (moto's reloader, shell wrappers), and dies with its parent should the parent
    be killed outright (PR_SET_PDEATHSIG; note Linux ties this to the starting
    thread, so start stacks from a thread that lives as long as they do).
    stop() is idempotent.
    """

    def __init__(self, name, argv, env=None, cwd=None, log_dir=None):
        self.name = name
        self.argv = list(argv)
        self.log_path = os.path.join(log_dir or tempfile.gettempdir(), f"{name}.log")
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def check_alive(self):
        """Raise with the log's tail if the process already exited."""
        if not self.alive():
            raise RuntimeError(
                f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}"
            )
        return True

    def log_tail(self, n=4000):
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()
            return data[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self, timeout=5.0):
        """SIGTERM the process group, then SIGKILL after `timeout` seconds."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout)
        if not self._log.closed:
            self._log.close()


_moto_python = []

# The moto the tests are written against. `make deps` (tests/deps.sh) installs
# it into moto_venv() when no python on the machine has moto.
MOTO_VERSION = "5.2.1"


def moto_venv():
    """Where `make deps` puts its moto virtual environment: $AAA_MOTO_VENV, else
    ${XDG_DATA_HOME:-~/.local/share}/aaa/moto-VERSION."""
    env = os.environ.get("AAA_MOTO_VENV")
    if env:
        return env
    data = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local",
                                                             "share")
    return os.path.join(data, "aaa", "moto-" + MOTO_VERSION)


def find_moto_python():
    """The interpreter that has moto: $AAA_MOTO_PYTHON, else the first python3 on PATH
    that can `import moto` (the image's pyenv python), then the pyenv shim, then the
    virtual environment `make deps` makes (moto_venv()), else None. A pyenv shim is
    resolved to the real interpreter (its sys.executable): faster to start, and
    signals reach moto itself rather than a wrapper.
    """
    env = os.environ.get("AAA_MOTO_PYTHON")
    if env:
        return env
    if _moto_python:
        return _moto_python[0]
    seen = set()
    candidates = []
    for d in os.environ.get("PATH", "").split(os.pathsep):
        for name in ("python3", "python"):
            p = os.path.join(d, name)
            if os.access(p, os.X_OK) and p not in seen:
                seen.add(p)
                candidates.append(p)
    candidates.append("/root/.pyenv/shims/python3")
    candidates.append(os.path.join(moto_venv(), "bin", "python3"))
    for p in candidates:
        if not os.access(p, os.X_OK):
            continue
        try:
            r = subprocess.run(
                [p, "-c", "import sys, moto; print(sys.executable)"],
                capture_output=True,
                text=True,
                timeout=30,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if r.returncode == 0:
            real = r.stdout.strip()
            _moto_python.append(real if real and os.access(real, os.X_OK) else p)
            return _moto_python[0]
    return None


def make_tls_files(directory, names=("localhost",), ips=(LOCALHOST,)):
    """Create a throw-away CA and a server certificate signed by it, with openssl.

    Returns a dict with paths: ca_cert, ca_key, cert, key (all PEM, keys 0600).
    The server certificate carries the given DNS names and IPs as SANs, so
    clients that verify hostnames accept https://127.0.0.1:PORT and
    https://localhost:PORT alike. EC P-256 keeps generation fast.
    """
    openssl = shutil.which("openssl") or "/usr/bin/openssl"
    os.makedirs(directory, exist_ok=True)
    p = {
        "ca_cert": os.path.join(directory, "ca.pem"),
        "ca_key": os.path.join(directory, "ca.key"),
        "cert": os.path.join(directory, "server.pem"),
        "key": os.path.join(directory, "server.key"),
    }
    csr = os.path.join(directory, "server.csr")
    ext = os.path.join(directory, "server.ext")
    san = ",".join([f"DNS:{n}" for n in names] + [f"IP:{i}" for i in ips])
    with open(ext, "w") as f:
        f.write(
            "basicConstraints=critical,CA:FALSE\n"
            "keyUsage=critical,digitalSignature,keyEncipherment\n"
            "extendedKeyUsage=serverAuth\n"
            f"subjectAltName={san}\n"
        )

    def run(*args):
        subprocess.run([openssl, *args], check=True, capture_output=True)

    old = os.umask(0o077)
    try:
        run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", p["ca_key"])
        run("req", "-x509", "-new", "-key", p["ca_key"], "-sha256", "-days", "30",
            "-subj", "/CN=aaa test stack CA", "-out", p["ca_cert"],
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", p["key"])
        run("req", "-new", "-key", p["key"], "-subj", "/CN=localhost", "-out", csr)
        run("x509", "-req", "-in", csr, "-CA", p["ca_cert"], "-CAkey", p["ca_key"],
            "-CAcreateserial", "-days", "30", "-sha256", "-extfile", ext, "-out", p["cert"])
    finally:
        os.umask(old)
    for path in (p["ca_cert"], p["cert"]):
        os.chmod(path, 0o644)
    return p


if __name__ == "__main__":
    # For tests/deps.sh, which runs this file directly (no package import, so
    # nothing beyond the standard library is needed yet):
    #   util.py find-moto   the python that has moto, or nothing (exit 1)
    #   util.py moto-venv   where `make deps` installs moto
    #   util.py moto-version
    import sys

    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what == "find-moto":
        found = find_moto_python()
        if found:
            print(found)
        sys.exit(0 if found else 1)
    elif what == "moto-venv":
        print(moto_venv())
    elif what == "moto-version":
        print(MOTO_VERSION)
    else:
        sys.exit("usage: util.py find-moto|moto-venv|moto-version")
