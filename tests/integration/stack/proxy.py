"""A threaded HTTP(S) reverse proxy for the test stack: verify, count, break, forward.

One class serves three roles, chosen by its arguments:
  * in front of moto (kind="aws", verifier=SigV4Verifier): every request's SigV4
    signature is recomputed with botocore and a mismatch is refused the way AWS
    refuses it; the rest is forwarded to moto unchanged;
  * in front of pebble (kind="acme", TLS on both sides): counts ACME requests per
    endpoint, so tests can assert "one order" and "requests per issuance";
  * anywhere (kind="http"): just counts and injects faults.
Every kind takes a FaultPlan (see faults.py) and exposes a small control API
under /__stack/ on its own port:
  GET  /__stack/health            {"ok": true}
  GET  /__stack/stats             counts per service/action/status, recent requests
  POST /__stack/reset             zero the stats (faults stay)
  GET  /__stack/faults            the plan with seen/fired counters
  POST /__stack/faults            add rules: a rule object, a list, or
                                  {"rules": [...], "replace": true}
  DELETE /__stack/faults          clear the plan
  POST /__stack/credentials       {"access_key": K, "secret_key": S} (aws only)
  POST /__stack/clock             {"offset": seconds} play a server clock that is off
Requests are forwarded as received: method, raw path and query, every header in
order, the body bytes (chunked bodies re-sent as the same chunks). Only hop-by-hop
response headers are re-framed.
"""

import collections
import http.client
import json
import os
import re
import socket
import ssl
import struct
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from . import awsproto, r53strict
from .faults import FaultPlan
from .util import LOCALHOST

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer",
              "transfer-encoding", "upgrade"}

# pebble's ACME paths -> RFC 8555 resource names (others keep their first segment).
ACME_ENDPOINTS = {
    "dir": "directory", "directory": "directory", "nonce-plz": "newNonce",
    "sign-me-up": "newAccount", "order-plz": "newOrder", "authZ": "authz",
    "chalZ": "challenge", "finalize-order": "finalize", "certZ": "certificate",
    "my-account": "account", "revoke-cert": "revokeCert",
    "rollover-account-key": "keyChange", "my-order": "order", "list-orderz": "orders",
    "renewal-info": "renewalInfo",
}

_CHANGE_ID_RE = re.compile(rb"<ChangeInfo>\s*<Id>(?:/change/)?([^<]+)</Id>")
_STS_KEY_RE = re.compile(rb"<AccessKeyId>([^<]+)</AccessKeyId>")
_STS_SECRET_RE = re.compile(rb"<SecretAccessKey>([^<]+)</SecretAccessKey>")


def acme_classify(method, path):
    seg = urlsplit(path).path.strip("/").split("/", 1)[0]
    return {"service": "acme", "action": ACME_ENDPOINTS.get(seg, seg or "/"),
            "protocol": "acme", "model": None, "region": None}


def _order_payload(body):
    """The JSON payload of a newOrder JWS (identifiers, profile, replaces: no secrets),
    so tests see what the client asked the CA for; None when it is not one."""
    import base64
    try:
        payload = json.loads(body)["payload"]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, KeyError, TypeError):
        return None


class _Closed(Exception):
    """The handler dropped the connection on purpose (reset/hang/truncate)."""


def _nodelay(sock):
    """Nagle off: the proxy answers in several writes (headers, body, TLS records), and
    with Nagle each later small write waits for the peer's delayed ACK, about 40 ms per
    request on Linux; clients would be measured on that stall instead of their work."""
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError):
        pass


class _NoDelayHTTP(http.client.HTTPConnection):
    def connect(self):
        super().connect()
        _nodelay(self.sock)


class _NoDelayHTTPS(http.client.HTTPSConnection):
    def connect(self):
        super().connect()
        _nodelay(self.sock)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "aaa-test-proxy/1"
    timeout = 120  # idle keep-alive connections are dropped after this

    # -- plumbing -----------------------------------------------------------

    def setup(self):
        ctx = self.server.proxy.listen_ssl
        self.server.proxy._track(self.request, True)
        _nodelay(self.request)
        if ctx is not None:
            self.request.settimeout(10)
            self.request = ctx.wrap_socket(self.request, server_side=True)
        super().setup()

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass
        self.server.proxy._track(self.request, False)

    def log_message(self, fmt, *args):  # keep pytest output clean
        pass

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except _Closed:
            self.close_connection = True
        except (ConnectionError, ssl.SSLError, socket.timeout):
            self.close_connection = True

    def __getattr__(self, name):
        # do_GET, do_POST, ... all go to one place.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def _read_body(self):
        """Returns (raw bytes as received, decoded body)."""
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            raw, data = bytearray(), bytearray()
            while True:
                line = self.rfile.readline(65537)
                raw += line
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while True:  # trailers, up to the empty line
                        t = self.rfile.readline(65537)
                        raw += t
                        if t in (b"\r\n", b"\n", b""):
                            break
                    break
                chunk = self.rfile.read(size)
                data += chunk
                raw += chunk
                raw += self.rfile.readline(65537)  # CRLF after the chunk
            return bytes(raw), bytes(data)
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        return body, body

    def _send(self, status, headers, body, reason=None):
        self.send_response_only(status, reason)
        self.send_header("Server", self.server_version)
        self.send_header("Date", formatdate(self.server.proxy.now(), usegmt=True))
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def _send_json(self, status, obj):
        self._send(status, [("Content-Type", "application/json")],
                   json.dumps(obj, indent=1, default=str).encode())

    def _reset(self):
        """Close without answering, with an RST (SO_LINGER 0) rather than a clean FIN."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        except OSError:
            pass
        try:
            self.connection.close()
        except OSError:
            pass
        raise _Closed()

    def _close(self):
        """End the connection cleanly (FIN) after a partial answer: a short body, not a reset."""
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        try:
            self.connection.close()
        except OSError:
            pass
        raise _Closed()

    # -- one request --------------------------------------------------------

    def _handle(self):
        proxy = self.server.proxy
        started = time.monotonic()
        raw_body, body = self._read_body()
        if self.path.startswith("/__stack/"):
            return self._control(body)

        info = proxy.classify(self.command, self.path, self.headers, body)
        entry = {"method": self.command, "path": self.path, "service": info.get("service"),
                 "action": info.get("action"), "status": None, "bytes_in": len(raw_body)}
        if info.get("action") == "newOrder" and body:
            entry["payload"] = _order_payload(body)
        proxy._begin()
        try:
            if proxy.verifier is not None:
                verdict = proxy.verifier.verify(self.command, self.path, self.headers, body)
                entry["access_key"] = verdict.access_key
                entry["region"] = verdict.region
                if not verdict.ok:
                    entry["refused"] = verdict.code
                    proxy._note_refusal(entry, verdict)
                    extra = dict(verdict.extra)
                    if verdict.code == "SignatureDoesNotMatch" and verdict.canonical_request:
                        extra["CanonicalRequest"] = verdict.canonical_request
                        extra["StringToSign"] = verdict.string_to_sign
                    status, hdrs, out = awsproto.error_response(
                        info, verdict.status, verdict.code, verdict.message, extra=extra)
                    entry["status"] = status
                    self._send(status, hdrs, out)
                    return

            if (proxy.strict_route53 and info.get("service") == "route53"
                    and info.get("action") == "ChangeResourceRecordSets"
                    and self.command == "POST"):
                # check and change atomic, as in Route53 (r53strict.py)
                with r53strict.LOCK:
                    return self._route53_change(raw_body, info, entry)
            return self._handle_rest(raw_body, info, entry)
        finally:
            entry["ms"] = round((time.monotonic() - started) * 1000, 1)
            proxy._record(entry)

    def _route53_change(self, raw_body, info, entry):
        """A change batch: faults first (a throttled request is never checked), then
        Route53's own refusals (r53strict.py), then moto."""
        proxy = self.server.proxy
        rule = proxy.faults.pick(self.command, self.path, info.get("service"),
                                 info.get("action"))
        answered = rule is not None and not rule.forward_first and rule.fault not in (
            "delay", "truncate", "pending")
        if not answered:
            try:
                refusal = r53strict.check(proxy.upstream_connection,
                                          r53strict.zone_of(self.path), raw_body or b"")
            except Exception:  # noqa: BLE001 - malformed: let moto answer it
                refusal = None
            if refusal is not None:
                entry["route53_refused"] = True
                status, hdrs, out = awsproto.error_response(info, 400, "InvalidChangeBatch",
                                                            refusal)
                entry["status"] = status
                self._send(status, hdrs, out)
                return None
        return self._handle_rest(raw_body, info, entry, (rule,))

    def _handle_rest(self, raw_body, info, entry, picked=None):
        """Faults (the rule already picked, when `picked` is a 1-tuple) and forwarding."""
        proxy = self.server.proxy
        rule = picked[0] if picked else proxy.faults.pick(
            self.command, self.path, info.get("service"), info.get("action"))
        if rule is not None:
            entry["fault"] = rule.fault
        if rule is not None and not rule.forward_first:
            if rule.fault == "delay":
                time.sleep((rule.ms or 1000) / 1000.0)
            elif rule.fault == "reset":
                entry["status"] = "reset"
                self._reset()
            elif rule.fault == "hang":
                entry["status"] = "hang"
                proxy._sleep_unless_stopped((rule.ms or 30000) / 1000.0)
                self._reset()
            elif rule.fault not in ("truncate", "pending"):
                status, hdrs, out = proxy.fault_response(rule, info)
                entry["status"] = status
                self._send(status, hdrs, out)
                return
        self._forward(raw_body, info, rule, entry)

    def _forward(self, raw_body, info, rule, entry):
        proxy = self.server.proxy
        try:
            conn = proxy.upstream_connection()
            conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for k, v in self.headers.items():
                conn.putheader(k, v)
            conn.endheaders()
            if raw_body:
                conn.send(raw_body)
            resp = conn.getresponse()
        except Exception as exc:  # noqa: BLE001 - refused, timed out, unsendable path...
            entry["status"] = 502
            entry["upstream_error"] = repr(exc)
            status, hdrs, out = awsproto.error_response(
                info, 502, "BadGateway", f"test proxy could not reach upstream: {exc!r}")
            self._send(status, hdrs, out)
            return
        try:
            self._relay(resp, info, rule, entry)
        finally:
            conn.close()

    def _relay(self, resp, info, rule, entry):
        proxy = self.server.proxy
        status = resp.status
        headers = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP]
        if rule is not None and rule.forward_first:
            resp.read()
            if rule.fault == "reset":
                entry["status"] = "reset"
                self._reset()
            status, hdrs, out = proxy.fault_response(rule, info)
            entry["status"] = status
            entry["upstream_status"] = resp.status
            self._send(status, hdrs, out)
            return
        entry["status"] = status
        no_body = self.command == "HEAD" or status in (204, 304) or status < 200
        length = resp.getheader("Content-Length")
        rewrite = (info.get("service") == "route53" or info.get("service") == "sts"
                   or (rule is not None and rule.fault == "truncate")
                   or proxy.mutate is not None)
        if no_body:
            if proxy.mutate is not None:  # it sees these answers too (a DELETE's 204)
                status, headers, _ = proxy.mutate(self.command, self.path, info, status,
                                                  headers, b"")
                entry["status"] = status
            self._start_response(status, resp.reason, headers)
            self.wfile.flush()
            return
        if length is not None and not rewrite:
            # Stream large bodies through without holding them in memory.
            self._start_response(status, resp.reason, headers)
            remaining = int(length)
            while remaining > 0:
                chunk = resp.read(min(65536, remaining))
                if not chunk:
                    break
                self.wfile.write(chunk)
                remaining -= len(chunk)
            entry["bytes_out"] = int(length) - remaining
            self.wfile.flush()
            return
        data = resp.read()
        data = proxy.observe_response(self.command, self.path, info, rule, status, data, entry)
        if proxy.mutate is not None:
            status, headers, data = proxy.mutate(self.command, self.path, info, status,
                                                 headers, data)
            entry["status"] = status
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(data))))
        self._start_response(status, resp.reason, headers)
        if rule is not None and rule.fault == "truncate":
            keep = rule.bytes if rule.bytes is not None else len(data) // 2
            self.wfile.write(data[:keep])
            self.wfile.flush()
            entry["truncated_to"] = keep
            self._close()
        entry["bytes_out"] = len(data)
        self.wfile.write(data)
        self.wfile.flush()

    def _start_response(self, status, reason, headers):
        proxy = self.server.proxy
        self.send_response_only(status, reason)
        for k, v in headers:
            if k.lower() == "date" and proxy.clock_offset:
                v = formatdate(proxy.now(), usegmt=True)
            self.send_header(k, v)
        self.end_headers()

    # -- control API --------------------------------------------------------

    def _control(self, body):
        proxy = self.server.proxy
        path = urlsplit(self.path).path
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            return self._send_json(400, {"error": "body is not JSON"})
        cmd = self.command
        try:
            if path == "/__stack/health":
                return self._send_json(200, {"ok": True, "kind": proxy.kind})
            if path == "/__stack/stats" and cmd == "GET":
                return self._send_json(200, proxy.stats())
            if path in ("/__stack/reset", "/__stack/stats/reset") and cmd == "POST":
                proxy.reset_stats()
                return self._send_json(200, {"ok": True})
            if path == "/__stack/faults":
                if cmd == "GET":
                    return self._send_json(200, {"rules": proxy.faults.as_list()})
                if cmd == "DELETE":
                    proxy.faults.clear()
                    return self._send_json(200, {"ok": True})
                if cmd == "POST":
                    rules = payload
                    if isinstance(payload, dict) and "rules" in payload:
                        if payload.get("replace"):
                            proxy.faults.clear()
                        rules = payload["rules"]
                    if isinstance(rules, dict):
                        rules = [rules]
                    for r in rules or []:
                        proxy.faults.add(r)
                    return self._send_json(200, {"rules": proxy.faults.as_list()})
            if path == "/__stack/credentials" and cmd == "POST" and proxy.verifier:
                proxy.verifier.add_credentials(payload["access_key"], payload["secret_key"])
                return self._send_json(200, {"ok": True})
            if path == "/__stack/clock" and cmd == "POST":
                proxy.set_clock_offset(float(payload.get("offset", 0)))
                return self._send_json(200, {"ok": True, "offset": proxy.clock_offset})
        except (TypeError, ValueError, KeyError) as exc:
            return self._send_json(400, {"error": repr(exc)})
        return self._send_json(404, {"error": f"no control endpoint {cmd} {path}"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # Client went away mid-request and similar: not the test's business.
        self.proxy.errors += 1


class ProxyServer:
    """A reverse proxy on 127.0.0.1 in front of `upstream` (http:// or https:// URL).

    kind: "aws" (classify AWS requests), "acme" (classify ACME endpoints) or "http".
    verifier: a SigV4Verifier to judge signatures (aws only), or None.
    listen_tls: {"cert": path, "key": path} to serve HTTPS (the pebble side).
    upstream_ca: CA file to verify an https upstream (None: do not verify).
    acme_nonce_path: where to fetch a fresh nonce for synthesized ACME errors.
    learn_sts: add credentials that STS hands out (moto's AssumeRole) to the
    verifier, so requests signed with assumed-role keys verify too.
    """

    def __init__(self, upstream, kind="aws", verifier=None, listen_tls=None,
                 upstream_ca=None, name=None, acme_nonce_path="/nonce-plz", learn_sts=True,
                 upstream_timeout=120, history=2000):
        self.upstream = upstream.rstrip("/")
        self.kind = kind
        self.verifier = verifier
        self.name = name or f"{kind}-proxy"
        self.faults = FaultPlan()
        self.acme_nonce_path = acme_nonce_path
        self.learn_sts = learn_sts
        self.upstream_timeout = upstream_timeout
        self.clock_offset = 0.0
        # mutate(method, path, info, status, headers, body) -> (status, headers, body):
        # a hostile server's rewrite of every answer (see hostile.py); None forwards.
        self.mutate = None
        self.errors = 0
        self._history = history
        self._lock = threading.Lock()
        # Requests being answered: stats() and reset_stats() wait for them, so
        # a request the client already has its answer to is always counted, and
        # one from an earlier test never lands after a reset.
        self._inflight = 0
        self._idle = threading.Condition(self._lock)
        self._stopped = threading.Event()
        self._conns = set()
        self._changes = {}  # Route53 change id -> time first seen
        self._change_seq = 0
        # Route53's CREATE/DELETE refusals, which moto lacks (r53strict.py)
        self.strict_route53 = kind == "aws"
        self.reset_stats()
        u = urlsplit(self.upstream)
        self._up_https = u.scheme == "https"
        self._up_host = u.hostname
        self._up_port = u.port or (443 if self._up_https else 80)
        self._up_ssl = None
        if self._up_https:
            self._up_ssl = ssl.create_default_context(cafile=upstream_ca) if upstream_ca \
                else ssl._create_unverified_context()  # noqa: SLF001 - test-only upstream
        self.listen_ssl = None
        if listen_tls:
            self.listen_ssl = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.listen_ssl.load_cert_chain(listen_tls["cert"], listen_tls["key"])
        self._server = None
        self._thread = None

    # -- life cycle -----------------------------------------------------------

    def start(self):
        self._server = _Server((LOCALHOST, 0), _Handler)
        self._server.proxy = self
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stopped.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            with self._lock:
                conns = list(self._conns)
            for c in conns:  # wake keep-alive handler threads
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def url(self):
        scheme = "https" if self.listen_ssl else "http"
        return f"{scheme}://{LOCALHOST}:{self.port}"

    def _track(self, sock, add):
        with self._lock:
            (self._conns.add if add else self._conns.discard)(sock)

    def _sleep_unless_stopped(self, seconds):
        self._stopped.wait(seconds)

    def now(self):
        return time.time() + self.clock_offset

    def set_clock_offset(self, seconds):
        """Play a server whose clock is `seconds` ahead (negative: behind)."""
        self.clock_offset = float(seconds)
        if self.verifier is not None:
            self.verifier.clock_offset = float(seconds)

    # -- upstream -------------------------------------------------------------

    def upstream_connection(self):
        if self._up_https:
            return _NoDelayHTTPS(self._up_host, self._up_port, timeout=self.upstream_timeout,
                                 context=self._up_ssl)
        return _NoDelayHTTP(self._up_host, self._up_port, timeout=self.upstream_timeout)

    def fresh_nonce(self):
        """A valid ACME nonce from the upstream CA (for synthesized ACME errors)."""
        try:
            conn = self.upstream_connection()
            conn.request("HEAD", self.acme_nonce_path)
            resp = conn.getresponse()
            resp.read()
            conn.close()
            return resp.getheader("Replay-Nonce")
        except (OSError, http.client.HTTPException):
            return None

    # -- classification and faults --------------------------------------------

    def classify(self, method, path, headers, body):
        if self.kind == "aws":
            return awsproto.classify(method, path, headers, body)
        if self.kind == "acme":
            return acme_classify(method, path)
        seg = urlsplit(path).path.strip("/").split("/", 1)[0]
        return {"service": "http", "action": seg or "/", "protocol": None, "model": None}

    def fault_response(self, rule, info):
        """(status, headers, body) for an answering fault, in the upstream's dialect."""
        if rule.body is not None:
            body = rule.body.encode() if isinstance(rule.body, str) else rule.body
            status = rule.status or 500
            hdrs = list(rule.headers.items())
            return status, hdrs, body
        if self.kind == "acme":
            return self._acme_fault(rule)
        proto, model = info.get("protocol"), info.get("model")
        f = rule.fault
        if f in ("throttle", "ratelimit"):
            if model == "s3":
                status, code = 503, "SlowDown"
            elif proto == "json":
                status, code = 400, "ThrottlingException"
            elif proto == "rest-json":
                status, code = 429, "TooManyRequestsException"
            else:
                status, code = 400, "Throttling"
        elif f == "slowdown":
            status, code = 503, "SlowDown"
        elif f == "skew":
            status, code = 403, "RequestTimeTooSkewed"
        else:
            status = rule.status or 500
            code = {500: "InternalError" if proto != "json" else "InternalFailure",
                    502: "BadGateway", 503: "ServiceUnavailable",
                    429: "TooManyRequestsException", 504: "GatewayTimeout"}.get(status,
                                                                                "InternalError")
        status = rule.status or status
        code = rule.code or code
        message = rule.message or f"injected fault: {code}"
        status, hdrs, body = awsproto.error_response(info, status, code, message)
        if rule.retry_after is not None:
            hdrs.append(("Retry-After", str(rule.retry_after)))
        hdrs += list(rule.headers.items())
        return status, hdrs, body

    def _acme_fault(self, rule):
        f = rule.fault
        if f in ("throttle", "ratelimit"):
            status, typ = 429, "rateLimited"
        elif f == "badnonce":
            status, typ = 400, "badNonce"
        elif f == "skew":
            status, typ = 400, "malformed"
        else:
            status = rule.status or 500
            typ = "serverInternal"
        status = rule.status or status
        typ = rule.code or typ
        if not typ.startswith("urn:"):
            typ = "urn:ietf:params:acme:error:" + typ
        body = json.dumps({"type": typ, "detail": rule.message or f"injected fault: {typ}",
                           "status": status}).encode()
        hdrs = [("Content-Type", "application/problem+json"),
                ("Cache-Control", "public, max-age=0, no-cache")]
        nonce = self.fresh_nonce()
        if nonce:
            hdrs.append(("Replay-Nonce", nonce))
        if rule.retry_after is not None:
            hdrs.append(("Retry-After", str(rule.retry_after)))
        hdrs += list(rule.headers.items())
        return status, hdrs, body

    def observe_response(self, method, path, info, rule, status, data, entry):
        """Look at (and maybe rewrite) a buffered upstream answer before it is relayed.

        Remembers when each Route53 change was submitted (for `pending`), learns
        STS-issued credentials, and rewrites INSYNC to PENDING while a pending
        rule holds the change.
        """
        service = info.get("service")
        if service == "sts" and status == 200 and self.learn_sts and self.verifier:
            keys, secrets = _STS_KEY_RE.findall(data), _STS_SECRET_RE.findall(data)
            for k, s in zip(keys, secrets):
                self.verifier.add_credentials(k.decode(), s.decode())
        if service == "route53" and status == 200:
            m = _CHANGE_ID_RE.search(data)
            if m:
                cid = m.group(1).decode()
                if (rule is not None and rule.fault == "pending"
                        and info.get("action") == "ChangeResourceRecordSets"):
                    # moto gives every change the same id; Route53 gives each its
                    # own, which a hold needs to time each from its own submission
                    # (moto's GetChange answers any id, INSYNC).
                    with self._lock:
                        self._change_seq += 1
                        new = f"C{os.getpid() % 65536:04X}{self._change_seq:09X}"
                    data = data[:m.start(1)] + new.encode() + data[m.end(1):]
                    cid = new
                with self._lock:
                    first = self._changes.setdefault(cid, time.time())
                if rule is not None and rule.fault == "pending":
                    hold = float(rule.seconds if rule.seconds is not None else 5)
                    if time.time() < first + hold and b"<Status>INSYNC</Status>" in data:
                        data = data.replace(b"<Status>INSYNC</Status>",
                                            b"<Status>PENDING</Status>")
                        entry["rewritten"] = "PENDING"
        return data

    # -- statistics -------------------------------------------------------------

    def forget_changes(self):
        """Forget when Route53 changes were first seen. moto gives every change the same
        id, so a `pending` rule would otherwise time a new change from an old one."""
        with self._lock:
            self._changes.clear()

    def _begin(self):
        with self._lock:
            self._inflight += 1

    def _settle(self):
        """Wait (lock held) until no request is between _begin and _record; a hung one
        (a `hang` fault) is given up on after 2 s."""
        self._idle.wait_for(lambda: self._inflight == 0, timeout=2.0)

    def reset_stats(self):
        with self._lock:
            self._settle()
            self._seq = 0
            self._by_service = collections.Counter()
            self._by_action = collections.Counter()
            self._bytes = {}
            self._by_status = collections.Counter()
            self._refused = collections.Counter()
            self._faults = collections.Counter()
            self._recent = collections.deque(maxlen=self._history)
            self._refusals = collections.deque(maxlen=50)

    def _record(self, entry):
        with self._lock:
            self._seq += 1
            entry["seq"] = self._seq
            entry["t"] = round(time.time(), 3)
            svc = entry.get("service") or "?"
            self._by_service[svc] += 1
            self._by_action[f"{svc}:{entry.get('action') or '?'}"] += 1
            b = self._bytes.setdefault(svc, {"in": 0, "out": 0})
            b["in"] += entry.get("bytes_in") or 0
            b["out"] += entry.get("bytes_out") or 0
            self._by_status[str(entry.get("status"))] += 1
            if entry.get("refused"):
                self._refused[entry["refused"]] += 1
            if entry.get("fault"):
                self._faults[entry["fault"]] += 1
            self._recent.append(entry)
            self._inflight -= 1
            self._idle.notify_all()

    def _note_refusal(self, entry, verdict):
        with self._lock:
            d = verdict.as_dict()
            d.update(method=entry["method"], path=entry["path"])
            self._refusals.append(d)

    def stats(self):
        """Counts since the last reset; `requests` lists the most recent ones in order."""
        with self._lock:
            self._settle()
            return {
                "total": self._seq,
                "by_service": dict(self._by_service),
                "by_action": dict(self._by_action),
                "bytes_by_service": {k: dict(v) for k, v in self._bytes.items()},
                "by_status": dict(self._by_status),
                "refused": dict(self._refused),
                "faults": dict(self._faults),
                "requests": list(self._recent),
                "refusals": list(self._refusals),
            }

    def count(self, action=None, service=None, method=None):
        """How many requests since the last reset match (convenience for asserts)."""
        with self._lock:
            self._settle()
            return sum(1 for e in self._recent
                       if (action is None or e.get("action") == action)
                       and (service is None or e.get("service") == service)
                       and (method is None or e.get("method") == method))


class ProxyControl:
    """Drive a proxy's control API over HTTP (for a stack in another process)."""

    def __init__(self, url, cafile=None):
        self.url = url.rstrip("/")
        self._ctx = ssl.create_default_context(cafile=cafile) if cafile else None

    def _call(self, method, path, obj=None):
        import urllib.request
        data = json.dumps(obj).encode() if obj is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10, context=self._ctx) as r:
            return json.loads(r.read())

    def stats(self):
        return self._call("GET", "/__stack/stats")

    def reset_stats(self):
        return self._call("POST", "/__stack/reset")

    def add_faults(self, *rules, replace=False):
        return self._call("POST", "/__stack/faults", {"rules": list(rules), "replace": replace})

    def faults(self):
        return self._call("GET", "/__stack/faults")["rules"]

    def clear_faults(self):
        return self._call("DELETE", "/__stack/faults")

    def add_credentials(self, access_key, secret_key):
        return self._call("POST", "/__stack/credentials",
                          {"access_key": access_key, "secret_key": secret_key})

    def set_clock_offset(self, seconds):
        return self._call("POST", "/__stack/clock", {"offset": seconds})
