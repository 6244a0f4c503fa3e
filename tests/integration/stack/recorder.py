"""HTTP servers that record what they receive: Slack's response_url and friends.

RecordingServer stores every request (method, path, headers, body) and answers
from a queue of canned responses (default 200 "ok"), or from a callable.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .util import LOCALHOST


class RecordedRequest:
    def __init__(self, method, path, headers, body):
        self.method = method
        self.path = path
        self.headers = headers  # dict, lower-case names (last value wins)
        self.header_list = []
        self.body = body
        self.time = time.time()

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"RecordedRequest({self.method} {self.path}, {len(self.body)} bytes)"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def __getattr__(self, name):
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def _handle(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        rec = RecordedRequest(self.command, self.path,
                              {k.lower(): v for k, v in self.headers.items()}, body)
        rec.header_list = list(self.headers.items())
        status, headers, out = self.server.owner._record_and_answer(rec)
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(out)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


class RecordingServer:
    """A recording HTTP server on 127.0.0.1.

    respond(status, body, headers) queues one canned answer (used in order; the
    last default applies when the queue is empty); handler=callable(req) ->
    (status, headers dict, body bytes) overrides everything.
    """

    def __init__(self, status=200, body=b"ok", headers=None, handler=None):
        self._default = (status, dict(headers or {"Content-Type": "text/plain"}),
                         body if isinstance(body, bytes) else body.encode())
        self._queue = []
        self.handler = handler
        self.requests = []
        self._cond = threading.Condition()
        self._server = None

    def start(self):
        self._server = _Server((LOCALHOST, 0), _Handler)
        self._server.owner = self
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                         daemon=True, name="recorder").start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self):
        return f"http://{LOCALHOST}:{self._server.server_address[1]}"

    def respond(self, status=200, body=b"ok", headers=None):
        body = body if isinstance(body, bytes) else body.encode()
        with self._cond:
            self._queue.append((status, dict(headers or {}), body))

    def _record_and_answer(self, rec):
        with self._cond:
            self.requests.append(rec)
            self._cond.notify_all()
            answer = self._queue.pop(0) if self._queue else self._default
        if self.handler is not None:
            answer = self.handler(rec)
        return answer

    def wait_for(self, n=1, timeout=10.0):
        """Block until at least n requests arrived; returns the list, or raises TimeoutError."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.requests) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"got {len(self.requests)} of {n} requests in {timeout}s")
                self._cond.wait(left)
            return list(self.requests)

    def clear(self):
        with self._cond:
            self.requests = []
            self._queue = []


class ResponseUrlServer(RecordingServer):
    """Slack's response_url: accepts JSON POSTs with 200 "ok" and records them."""

    def messages(self):
        return [r.json() for r in self.requests if r.method == "POST"]
