"""A small AWS Lambda emulator for aaa's tests (standard library only).

It plays both sides of Lambda for a real custom runtime (`bootstrap`):

* the **Runtime API** (2018-06-01) each sandbox polls: GET .../invocation/next,
  POST .../invocation/ID/response|error, POST .../init/error. Every sandbox
  (one process) gets its own Runtime API server on its own port, so a killed
  sandbox's stale connections can never take an invocation meant for its
  successor;
* the **Invoke API**: POST /2015-03-31/functions/NAME/invocations with
  X-Amz-Invocation-Type RequestResponse (200 with the payload; a function
  error adds X-Amz-Function-Error: Unhandled), Event (202, queued, delivered
  at least once: up to two retries on error, like Lambda; optionally every
  event twice) or DryRun (204). `aws lambda invoke --endpoint-url` works
  against it, and so does aaa's own self-invocation (no signature check).

Like Lambda it runs one invocation at a time per sandbox, reuses an idle
sandbox (warm) or starts one on demand (a cold start), so concurrent
invocations run in parallel processes (up to `concurrency`, the reserved
concurrency, if set); it enforces the function timeout by killing the
sandbox's process group, and a killed sandbox is never reused. Payload
limits: 6 MB synchronous, 1 MB asynchronous (Lambda's async limit since 2025).

Every attempt is recorded in `emulator.invocations` (list of Invocation).
Retries and duplicate deliveries of one async event keep its request id, as
Lambda's retries do.
"""

import json
import os
import queue
import re
import signal
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCALHOST = "127.0.0.1"
ACCOUNT = "123456789012"
SYNC_LIMIT = 6 * 1024 * 1024
ASYNC_LIMIT = 1024 * 1024
RESPONSE_LIMIT = 6 * 1024 * 1024


class Invocation:
    """One delivery attempt of one event to one function."""

    def __init__(self, function, payload, kind, request_id=None, attempt=1):
        self.function = function
        self.payload = payload  # bytes
        self.kind = kind  # "sync" or "async"
        self.request_id = request_id or str(uuid.uuid4())
        self.attempt = attempt
        self.trace_id = ("Root=1-%08x-%s;Parent=%s;Sampled=0"
                         % (int(time.time()), uuid.uuid4().hex[:24], uuid.uuid4().hex[:16]))
        self.outcome = None  # success | error | timeout | crash | init_error
        self.response = None  # bytes posted to /response
        self.error = None  # parsed error body (dict) or None
        self.error_type = None  # Lambda-Runtime-Function-Error-Type header or body's
        self.cold_start = False
        self.sandbox = None  # sandbox number that ran it
        self.taken_at = None  # monotonic time /next handed it out
        self.deadline_ms = None
        self.duration_ms = None
        self.done = threading.Event()
        self._lock = threading.Lock()

    def finish(self, outcome, response=None, error=None, error_type=None):
        """First outcome wins (a timeout kill then a crash report is one timeout)."""
        with self._lock:
            if self.done.is_set():
                return False
            self.outcome = outcome
            self.response = response
            self.error = error
            self.error_type = error_type or (error or {}).get("errorType")
            if self.taken_at is not None:
                self.duration_ms = (time.monotonic() - self.taken_at) * 1000.0
            self.done.set()
            return True

    @property
    def ok(self):
        return self.outcome == "success"

    def event(self):
        try:
            return json.loads(self.payload)
        except ValueError:
            return None

    def result_body(self):
        """What Invoke answers: the response, or the error document."""
        if self.ok:
            return self.response if self.response is not None else b"null"
        return json.dumps(self.error or {"errorType": "Runtime.Unknown"}).encode()

    def __repr__(self):
        return (f"Invocation({self.function} {self.kind} #{self.attempt} {self.request_id} "
                f"{self.outcome} {self.error_type or ''})")


class _Sandbox:
    """One bootstrap process and the Runtime API server it talks to."""

    def __init__(self, fn, number):
        self.fn = fn
        self.number = number
        self.pending = queue.Queue()
        self.closed = False
        self.init_error = None
        self.current = None
        self.first_next_at = None
        self.server = _RuntimeServer((LOCALHOST, 0), _RuntimeHandler)
        self.server.sandbox = self
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        env = dict(fn.env)
        env["AWS_LAMBDA_RUNTIME_API"] = f"{LOCALHOST}:{self.port}"
        self.spawned_at = time.monotonic()
        self.proc = subprocess.Popen([fn.bootstrap], env=env, cwd=fn.task_root,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, start_new_session=True)
        self._readers = [threading.Thread(target=self._read, args=(stream, name), daemon=True)
                         for stream, name in ((self.proc.stdout, "stdout"),
                                              (self.proc.stderr, "stderr"))]
        for t in self._readers:
            t.start()
        threading.Thread(target=self._watch, daemon=True).start()

    @property
    def cold_start_ms(self):
        if self.first_next_at is None:
            return None
        return (self.first_next_at - self.spawned_at) * 1000.0

    def _read(self, stream, name):
        for raw in iter(stream.readline, b""):
            self.fn.logs.append((self.number, name, raw.decode("utf-8", "replace").rstrip("\n")))
        stream.close()

    def _watch(self):
        rc = self.proc.wait()
        self.fn.exits.append((self.number, rc))
        self._close()
        err = self.init_error
        for inv in ([self.current] if self.current else []) + self._drain():
            if err is not None and inv.taken_at is None:
                inv.finish("init_error", error=err[0], error_type=err[1])
            else:
                inv.finish("crash", error={
                    "errorType": "Runtime.ExitError",
                    "errorMessage": f"RequestId: {inv.request_id} Error: Runtime exited "
                                    f"with status {rc}"})

    def _drain(self):
        out = []
        while True:
            try:
                out.append(self.pending.get_nowait())
            except queue.Empty:
                return out

    def alive(self):
        return not self.closed and self.proc.poll() is None

    def kill(self):
        self.closed = True
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        # Every line the sandbox wrote is in fn.logs once the emulator stops
        # (the pipes reach EOF when the process group is gone).
        for t in self._readers:
            t.join(timeout=5)
        self._close()

    def _close(self):
        if getattr(self, "_server_closed", False):
            return
        self._server_closed = True
        self.closed = True
        threading.Thread(target=self._shutdown_server, daemon=True).start()

    def _shutdown_server(self):
        self.server.shutdown()
        self.server.server_close()

    # Runtime API operations (called from handler threads) -----------------

    def next(self, handler):
        if self.first_next_at is None:
            self.first_next_at = time.monotonic()
        while not self.closed:
            try:
                inv = self.pending.get(timeout=0.05)
            except queue.Empty:
                continue
            inv.taken_at = time.monotonic()
            inv.deadline_ms = int(time.time() * 1000 + self.fn.timeout * 1000)
            inv.sandbox = self.number
            self.current = inv
            if self.fn.on_take is not None:
                self.fn.on_take(self, inv)
            handler.reply(200, inv.payload, {
                "Content-Type": "application/json",
                "Lambda-Runtime-Aws-Request-Id": inv.request_id,
                "Lambda-Runtime-Deadline-Ms": str(inv.deadline_ms),
                "Lambda-Runtime-Invoked-Function-Arn": self.fn.arn,
                "Lambda-Runtime-Trace-Id": inv.trace_id,
            })
            return
        handler.reply(410, b'{"errorType":"SandboxClosed"}')

    def post(self, handler, request_id, what, body):
        inv = self.current
        if inv is None or inv.request_id != request_id or inv.done.is_set():
            handler.reply(400, json.dumps({"errorMessage": "Invalid request ID",
                                           "errorType": "InvalidRequestID"}).encode())
            return
        if self.fn.reject_posts > 0:
            # Fault: the Runtime API refuses this POST (the invocation is lost
            # as an error); the runtime must log it and keep polling.
            self.fn.reject_posts -= 1
            inv.finish("error", error={"errorType": "Emulator.PostRejected",
                                       "errorMessage": "the emulator refused the POST"})
            self.current = None
            handler.reply(500, b'{"errorType":"ServiceException"}')
            return
        if what == "response":
            if len(body) > RESPONSE_LIMIT:
                handler.reply(413, json.dumps({
                    "errorMessage": "Exceeded maximum allowed payload size (6291556 bytes).",
                    "errorType": "RequestEntityTooLarge"}).encode())
                inv.finish("error", error={"errorType": "Function.ResponseSizeTooLarge",
                                           "errorMessage": "Response payload size exceeded"})
                return
            inv.finish("success", response=body)
        else:
            try:
                doc = json.loads(body)
            except ValueError:
                doc = {"errorType": "Runtime.Unknown", "errorMessage": body.decode(errors="replace")}
            inv.finish("error", error=doc,
                       error_type=handler.headers.get("Lambda-Runtime-Function-Error-Type"))
        self.current = None
        handler.reply(202, b'{"status":"OK"}')

    def post_init_error(self, handler, body):
        try:
            doc = json.loads(body)
        except ValueError:
            doc = {"errorType": "Runtime.Unknown", "errorMessage": body.decode(errors="replace")}
        self.init_error = (doc, handler.headers.get("Lambda-Runtime-Function-Error-Type"))
        self.fn.init_errors.append(self.init_error)
        handler.reply(202, b'{"status":"OK"}')


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A killed sandbox resets its connections: expected, not news.
        pass


class _RuntimeServer(_QuietServer):
    pass


class _Base(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without this, Nagle plus the
    # client's delayed ACK adds ~40 ms to every answer.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def reply(self, status, body=b"", headers=None):
        try:
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            if "Content-Type" not in (headers or {}):
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


_NEXT = "/2018-06-01/runtime/invocation/next"
_POST = re.compile(r"^/2018-06-01/runtime/invocation/([^/]+)/(response|error)$")
_INIT = "/2018-06-01/runtime/init/error"


class _RuntimeHandler(_Base):
    def do_GET(self):
        sb = self.server.sandbox
        sb.fn.runtime_requests.append(("GET", self.path, dict(self.headers)))
        if self.path == _NEXT:
            sb.next(self)
        else:
            self.reply(404, b'{"errorType":"NotFound"}')

    def do_POST(self):
        sb = self.server.sandbox
        body = self.body()
        sb.fn.runtime_requests.append(("POST", self.path, dict(self.headers)))
        m = _POST.match(self.path)
        if m:
            sb.post(self, m.group(1), m.group(2), body)
        elif self.path == _INIT:
            sb.post_init_error(self, body)
        else:
            self.reply(404, b'{"errorType":"NotFound"}')


class Function:
    """One Lambda function: configuration, its sandbox (at most one), its records."""

    def __init__(self, emulator, name, bootstrap, env, timeout, memory, handler, task_root,
                 concurrency=None):
        self.emulator = emulator
        self.name = name
        self.bootstrap = bootstrap
        self.timeout = timeout
        self.memory = memory
        self.task_root = task_root
        region = env.get("AWS_REGION", "us-east-1")
        self.arn = f"arn:aws:lambda:{region}:{ACCOUNT}:function:{name}"
        self.env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "TZ": ":UTC",
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": "2026/01/01/[$LATEST]" + uuid.uuid4().hex,
            "AWS_EXECUTION_ENV": "AWS_Lambda_provided.al2023",
            "LAMBDA_TASK_ROOT": task_root,
            "LAMBDA_RUNTIME_DIR": task_root,
            "_HANDLER": handler,
            "AWS_ENDPOINT_URL_LAMBDA": emulator.url,
        }
        self.env.update(env)
        self.on_take = None  # hook(sandbox, inv) before /next answers (tests: SIGSTOP)
        self.reject_posts = 0  # fault: answer the next N result POSTs with 500
        self.concurrency = concurrency  # None: unlimited sandboxes
        self.lock = threading.Lock()  # guards the pool
        self.idle = []  # sandboxes waiting for an invocation
        self.all_sandboxes = []
        self.slots = threading.BoundedSemaphore(concurrency) if concurrency else None
        self.sandboxes = 0
        self.cold_starts_ms = []
        self.logs = []  # (sandbox, "stdout"|"stderr", line)
        self.exits = []  # (sandbox, returncode)
        self.init_errors = []
        self.runtime_requests = []
        self.async_pending = 0
        self._async_lock = threading.Lock()

    @property
    def sandbox(self):
        """The most recently started sandbox (None before the first invocation)."""
        return self.all_sandboxes[-1] if self.all_sandboxes else None

    @property
    def pid(self):
        sb = self.sandbox
        return sb.proc.pid if sb is not None else None

    def stderr_lines(self):
        return [line for _, stream, line in self.logs if stream == "stderr"]

    def wait_stderr(self, pred, timeout=10.0):
        """stderr_lines() once pred(lines) holds, or as they are at the timeout: a
        sandbox's output is read from its pipe by a thread, and can still be in the
        pipe when the invocation's answer is already back (as with real Lambda's logs)."""
        end = time.monotonic() + timeout
        lines = self.stderr_lines()
        while not pred(lines) and time.monotonic() < end:
            time.sleep(0.02)
            lines = self.stderr_lines()
        return lines

    def _acquire_sandbox(self):
        """An idle live sandbox, else a new one (a cold start). Returns (sandbox, cold)."""
        with self.lock:
            while self.idle:
                sb = self.idle.pop()
                if sb.alive():
                    return sb, False
            self.sandboxes += 1
            sb = _Sandbox(self, self.sandboxes)
            self.all_sandboxes.append(sb)
            return sb, True

    def run(self, inv):
        """Delivers inv to a sandbox and waits for its outcome, as Lambda does: one
        invocation per sandbox at a time; concurrent invocations get more sandboxes."""
        if self.slots is not None:
            self.slots.acquire()
        try:
            return self._run(inv)
        finally:
            if self.slots is not None:
                self.slots.release()

    def _run(self, inv):
        self.emulator.invocations.append(inv)
        sb, inv.cold_start = self._acquire_sandbox()
        sb.pending.put(inv)
        start = time.monotonic()
        while not inv.done.wait(0.005):
            now = time.monotonic()
            if inv.taken_at is None and now - start > self.emulator.init_timeout:
                if inv.finish("timeout", error={
                        "errorType": "Runtime.InitTimeout",
                        "errorMessage": "the runtime did not ask for the invocation in "
                                        f"{self.emulator.init_timeout:.0f} s"}):
                    sb.kill()
            elif inv.taken_at is not None and now - inv.taken_at > self.timeout:
                if inv.finish("timeout", error={
                        "errorType": "Sandbox.Timedout",
                        "errorMessage": f"RequestId: {inv.request_id} Error: Task timed "
                                        f"out after {self.timeout:.2f} seconds"}):
                    sb.kill()
        if sb.cold_start_ms is not None and inv.cold_start:
            self.cold_starts_ms.append(sb.cold_start_ms)
        if inv.outcome == "init_error":
            # Lambda retries init on the next invocation with a fresh sandbox.
            sb.kill()
        with self.lock:
            if sb.alive():
                self.idle.append(sb)
        return inv

    def deliver_async(self, payload, request_id):
        """Queues an async event: delivered at least once, retried on error; with
        emulator.duplicate_async, delivered twice (in turn, or at once when
        duplicate_async == "concurrent")."""
        copies = 2 if self.emulator.duplicate_async else 1
        with self._async_lock:
            self.async_pending += copies
        concurrent = self.emulator.duplicate_async == "concurrent"

        def one_copy():
            try:
                for attempt in range(1, 2 + self.emulator.async_retries):
                    inv = self.run(Invocation(self.name, payload, "async", request_id,
                                              attempt))
                    if inv.ok:
                        break
                    if attempt <= self.emulator.async_retries:
                        delays = self.emulator.retry_delays
                        time.sleep(delays[min(attempt - 1, len(delays) - 1)])
            finally:
                with self._async_lock:
                    self.async_pending -= 1

        def deliver():
            if concurrent:
                threads = [threading.Thread(target=one_copy, daemon=True)
                           for _ in range(copies)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
            else:
                for _ in range(copies):
                    one_copy()

        threading.Thread(target=deliver, daemon=True).start()

    def stop(self):
        """Kills every sandbox; the next invocation cold starts."""
        with self.lock:
            sandboxes, self.idle = list(self.all_sandboxes), []
        for sb in sandboxes:
            if sb.alive():
                sb.kill()


class _InvokeHandler(_Base):
    _PATH = re.compile(r"^/2015-03-31/functions/([^/?]+)/invocations(\?.*)?$")

    def do_POST(self):
        em = self.server.emulator
        body = self.body()
        m = self._PATH.match(self.path)
        if not m:
            self._aws_error(404, "UnknownOperationException", f"no route {self.path}")
            return
        name = m.group(1)
        if name.startswith("arn:"):
            name = name.rsplit(":", 1)[-1]
        fn = em.functions.get(name)
        if fn is None:
            self._aws_error(404, "ResourceNotFoundException",
                            f"Function not found: arn:aws:lambda:us-east-1:{ACCOUNT}:"
                            f"function:{name}")
            return
        kind = self.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        em.invoke_requests.append({"function": name, "type": kind, "headers": dict(self.headers),
                                   "size": len(body)})
        if kind == "DryRun":
            self.reply(204)
        elif kind == "Event":
            if len(body) > ASYNC_LIMIT:
                self._aws_error(413, "RequestTooLargeException",
                                f"Request must be smaller than {ASYNC_LIMIT} bytes for the "
                                "InvokeAsync operation")
                return
            request_id = str(uuid.uuid4())
            fn.deliver_async(body, request_id)
            self.reply(202, b"", {"x-amzn-RequestId": request_id})
        elif kind == "RequestResponse":
            if len(body) > SYNC_LIMIT:
                self._aws_error(413, "RequestTooLargeException",
                                f"Request must be smaller than {SYNC_LIMIT} bytes for the "
                                "Invoke operation")
                return
            inv = fn.run(Invocation(name, body, "sync"))
            headers = {"x-amzn-RequestId": inv.request_id, "X-Amz-Executed-Version": "$LATEST"}
            if not inv.ok:
                headers["X-Amz-Function-Error"] = "Unhandled"
            self.reply(200, inv.result_body(), headers)
        else:
            self._aws_error(400, "InvalidParameterValueException",
                            f"unknown X-Amz-Invocation-Type {kind}")

    def _aws_error(self, status, code, message):
        self.reply(status, json.dumps({"Type": "User", "message": message}).encode(),
                   {"x-amzn-ErrorType": code})


class _InvokeServer(_QuietServer):
    pass


class LambdaEmulator:
    """The Invoke API and the functions behind it.

    em = LambdaEmulator().start()
    fn = em.add_function("aaa-executor", bootstrap, env={...}, timeout=30, handler="executor")
    em.url                       -> http://127.0.0.1:PORT for `aws lambda --endpoint-url`
    em.invoke(name, payload)     -> Invocation (synchronous, from Python)
    em.invoke_async(name, payload); em.wait_idle()
    em.fire_scheduled_event(name)
    em.invocations               every attempt, in order
    """

    def __init__(self, async_retries=2, retry_delays=(0.2, 0.4), duplicate_async=False,
                 init_timeout=10.0):
        self.async_retries = async_retries
        self.retry_delays = retry_delays
        self.duplicate_async = duplicate_async
        self.init_timeout = init_timeout
        self.functions = {}
        self.invocations = []
        self.invoke_requests = []
        self.server = None

    def start(self):
        self.server = _InvokeServer((LOCALHOST, 0), _InvokeHandler)
        self.server.emulator = self
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    @property
    def url(self):
        return f"http://{LOCALHOST}:{self.server.server_address[1]}"

    def add_function(self, name, bootstrap, env=None, timeout=30.0, memory=128, handler="",
                     task_root=None, concurrency=None):
        fn = Function(self, name, bootstrap, dict(env or {}), timeout, memory, handler,
                      task_root or os.path.dirname(os.path.abspath(bootstrap)), concurrency)
        self.functions[name] = fn
        return fn

    def invoke(self, name, payload):
        if not isinstance(payload, (bytes, bytearray)):
            payload = json.dumps(payload).encode()
        return self.functions[name].run(Invocation(name, bytes(payload), "sync"))

    def invoke_async(self, name, payload):
        if not isinstance(payload, (bytes, bytearray)):
            payload = json.dumps(payload).encode()
        request_id = str(uuid.uuid4())
        self.functions[name].deliver_async(bytes(payload), request_id)
        return request_id

    def fire_scheduled_event(self, name, rule="aaa-renewals", region="us-east-1"):
        """An EventBridge rule's scheduled event, delivered asynchronously as Lambda does."""
        event = {
            "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
            "source": "aws.events", "account": ACCOUNT,
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "region": region,
            "resources": [f"arn:aws:events:{region}:{ACCOUNT}:rule/{rule}"], "detail": {},
        }
        return self.invoke_async(name, event)

    def wait_idle(self, timeout=60.0):
        """Waits until every queued async event has been delivered (with retries)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if all(fn.async_pending == 0 for fn in self.functions.values()):
                return True
            time.sleep(0.02)
        raise TimeoutError("async invocations still pending")

    def stop(self):
        for fn in self.functions.values():
            fn.stop()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def api_gateway_event(method, path, headers=None, body=b"", version="2.0", query="",
                      source_ip="127.0.0.1"):
    """The proxy event API Gateway sends a Lambda integration.

    version "2.0": an HTTP API (payload format 2.0): lower-case headers,
    rawPath/rawQueryString, the body base64-encoded (as HTTP APIs do for a
    form-encoded body such as Slack's). version "1.0": a REST API proxy
    event (httpMethod, path, headers as sent, multiValueHeaders)."""
    import base64
    from urllib.parse import parse_qs

    headers = dict(headers or {})
    if isinstance(body, str):
        body = body.encode()
    now = time.time()
    b64 = base64.b64encode(body).decode() if body else None
    if version == "2.0":
        lower = {k.lower(): v for k, v in headers.items()}
        return {
            "version": "2.0", "routeKey": "$default", "rawPath": path,
            "rawQueryString": query, "headers": lower,
            "queryStringParameters": ({k: ",".join(v) for k, v in parse_qs(query).items()}
                                      or None),
            "requestContext": {
                "accountId": ACCOUNT, "apiId": "emulated", "domainName": "127.0.0.1",
                "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                         "sourceIp": source_ip, "userAgent": lower.get("user-agent", "")},
                "requestId": uuid.uuid4().hex, "routeKey": "$default", "stage": "$default",
                "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
                "timeEpoch": int(now * 1000)},
            "body": b64, "isBase64Encoded": bool(body),
        }
    return {
        "resource": path, "path": path, "httpMethod": method, "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": ({k: v[-1] for k, v in parse_qs(query).items()} or None),
        "multiValueQueryStringParameters": parse_qs(query) or None,
        "requestContext": {"accountId": ACCOUNT, "apiId": "emulated", "httpMethod": method,
                           "path": "/prod" + path, "stage": "prod",
                           "requestId": uuid.uuid4().hex, "identity": {"sourceIp": source_ip},
                           "requestTimeEpoch": int(now * 1000)},
        "body": b64, "isBase64Encoded": bool(body),
    }


def api_gateway_response(inv, version="2.0"):
    """Maps an invocation's outcome to (status, headers, body) as API Gateway does:
    a function error is a 502; a proxy response gives statusCode, headers and a
    (possibly base64) body; an HTTP API (2.0) also takes any other JSON as a
    200 application/json answer."""
    import base64

    if not inv.ok:
        return 502, {"Content-Type": "application/json"}, b'{"message":"Internal Server Error"}'
    try:
        doc = json.loads(inv.response or b"null")
    except ValueError:
        return 502, {"Content-Type": "application/json"}, b'{"message":"Internal Server Error"}'
    if isinstance(doc, dict) and "statusCode" in doc:
        body = doc.get("body") or ""
        body = base64.b64decode(body) if doc.get("isBase64Encoded") else body.encode()
        headers = {str(k): str(v) for k, v in (doc.get("headers") or {}).items()}
        return int(doc["statusCode"]), headers, body
    if version == "2.0":
        return 200, {"Content-Type": "application/json"}, json.dumps(doc).encode()
    return 502, {"Content-Type": "application/json"}, b'{"message":"Internal Server Error"}'


class ApiGateway:
    """An HTTP front on 127.0.0.1 that turns each request into a proxy event for
    one function (synchronously) and answers with the mapped response; times out
    like API Gateway (29 s REST, 30 s HTTP API; set `timeout` lower in tests).

    with ApiGateway(emu, "aaa-dispatcher") as gw: POST gw.url + "/slack" ...
    gw.requests: (event, invocation, status) of every request."""

    def __init__(self, emulator, function, version="2.0", timeout=None):
        self.emulator = emulator
        self.function = function
        self.version = version
        self.timeout = timeout or (30.0 if version == "2.0" else 29.0)
        self.requests = []
        self.server = None

    def start(self):
        gw = self

        class Handler(_Base):
            def _any(self):
                body = self.body()
                path, _, query = self.path.partition("?")
                ev = api_gateway_event(self.command, path, dict(self.headers), body,
                                       gw.version, query, self.client_address[0])
                inv = Invocation(gw.function, json.dumps(ev).encode(), "sync")
                t = threading.Thread(target=gw.emulator.functions[gw.function].run,
                                     args=(inv,), daemon=True)
                t.start()
                if not inv.done.wait(gw.timeout):
                    status, headers, out = 503, {}, b'{"message":"Service Unavailable"}'
                else:
                    # The sandbox is back in the idle pool when run() returns (a few ms
                    # after the response): a client's next request then finds it warm,
                    # as it would once the runtime has asked for its next event.
                    t.join(5)
                    status, headers, out = api_gateway_response(inv, gw.version)
                gw.requests.append((ev, inv, status))
                self.reply(status, out, headers)

            do_GET = do_POST = do_PUT = do_DELETE = _any

        self.server = _QuietServer((LOCALHOST, 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    @property
    def url(self):
        return f"http://{LOCALHOST}:{self.server.server_address[1]}"

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def aws_cli_invoke(url, home, name, payload, invocation_type=None, creds=None, cli=None):
    """`aws lambda invoke` (Debian's CLI v2, a real client) against the emulator at url.

    payload is JSON text; home a temp dir for the CLI. Returns (the CLI's JSON output:
    StatusCode, FunctionError..., the response body as text). Fails on a CLI error."""
    out = os.path.join(str(home), f"out-{time.monotonic_ns()}.json")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
           "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_PAGER": "", "AWS_MAX_ATTEMPTS": "1",
           "AWS_EC2_METADATA_DISABLED": "true", "AWS_ACCESS_KEY_ID": "AKIDTEST",
           "AWS_SECRET_ACCESS_KEY": "not-used-by-the-emulator"}
    env.update(creds or {})
    argv = [cli or "/usr/bin/aws", "lambda", "invoke", "--endpoint-url", url,
            "--function-name", name, "--payload", payload, "--cli-binary-format",
            "raw-in-base64-out", "--cli-read-timeout", "120", "--output", "json"]
    if invocation_type:
        argv += ["--invocation-type", invocation_type]
    p = subprocess.run(argv + [out], env=env, capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, p.stderr
    body = ""
    if os.path.exists(out):
        with open(out) as f:
            body = f.read()
    return json.loads(p.stdout), body
