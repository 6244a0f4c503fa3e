"""moto_server as a child process: every emulated AWS service on one 127.0.0.1 port.

moto 5.2.1 lives only in the machine image's pyenv python, not in Debian's, so
it runs as a subprocess of that interpreter (find_moto_python()).
"""

import json
import os
import urllib.request

from .util import LOCALHOST, Process, find_moto_python, free_port, wait_until


class MotoServer:
    """Start with start(), stop with stop(); `url` is http://127.0.0.1:PORT."""

    def __init__(self, python=None, log_dir=None, startup_timeout=60):
        self.python = python or find_moto_python()
        self.log_dir = log_dir
        self.startup_timeout = startup_timeout
        self.port = None
        self.process = None

    @property
    def url(self):
        return f"http://{LOCALHOST}:{self.port}"

    def start(self):
        if not self.python:
            raise RuntimeError(
                "no python with moto found: set AAA_MOTO_PYTHON to an interpreter that "
                "can `import moto` (the image's pyenv python3)")
        env = dict(os.environ)
        # moto must not pick up the developer's real AWS settings or a proxy.
        for k in list(env):
            if k.startswith("AWS_") or k.lower() in ("http_proxy", "https_proxy"):
                env.pop(k)
        env["AWS_DEFAULT_REGION"] = "us-east-1"
        last = None
        for _ in range(3):  # the free port can be taken before moto binds it
            self.port = free_port()
            self.process = Process(
                "moto_server",
                [self.python, "-m", "moto.server", "-H", LOCALHOST, "-p", str(self.port)],
                env=env, log_dir=self.log_dir)
            try:
                wait_until(self._ready, self.startup_timeout, interval=0.1,
                           what=f"moto_server on port {self.port}")
                return self
            except (TimeoutError, RuntimeError) as exc:
                last = exc
                self.process.stop()
        raise RuntimeError(f"moto_server did not start: {last}\n{self.process.log_tail()}")

    def _ready(self):
        self.process.check_alive()
        with urllib.request.urlopen(self.url + "/moto-api/data.json", timeout=2) as r:
            return r.status == 200

    def reset(self):
        """Forget every resource (moto's /moto-api/reset): a clean account per test."""
        req = urllib.request.Request(self.url + "/moto-api/reset", data=b"", method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read() or b"{}")

    def stop(self):
        if self.process is not None:
            self.process.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
