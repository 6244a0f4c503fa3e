"""http/ against a real HTTPS server on 127.0.0.1 with a test CA.

Checks what a unit test cannot: one TCP connection reused across requests,
the User-Agent on the wire, response headers, the size cap, the total
timeout, and that TLS verification is always on (AAA_CA_BUNDLE adds trust,
nothing turns verification off, the host name is checked).
"""
import http.server
import json
import os
import socket
import ssl
import subprocess
import threading
import time

import pytest

BUILD = os.environ.get("AAA_BUILD", "build")
PROBE = os.path.join(BUILD, "tools", "http_probe")


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=aaa test CA", cwd=d)
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=127.0.0.1", cwd=d)
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    _openssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "srv.pem", "-days", "2", "-extfile", "ext.cnf", cwd=d)
    return d


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        self.server.connections += 1

    def log_message(self, *args):
        pass

    def _send(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        path, _, query = self.path.partition("?")
        args = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        if path == "/big":
            self._send(200, b"x" * int(args["n"]))
        elif path == "/slow":
            time.sleep(int(args["ms"]) / 1000)
            self._send(200, b"late")
        elif path == "/gate":
            # Held until `peak` GETs of it are in flight at once, or all `total` came
            # (or 10 s passed: a client that sends one at a time fails the test, slowly).
            gate = self.server.gate
            with gate:
                self.server.inflight += 1
                self.server.seen += 1
                self.server.max_inflight = max(self.server.max_inflight, self.server.inflight)
                gate.notify_all()
                gate.wait_for(lambda: self.server.inflight >= int(args["peak"])
                              or self.server.seen >= int(args["total"]), timeout=10)
            try:
                self._send(200, args["id"].encode())
            finally:
                with gate:
                    self.server.inflight -= 1
        elif path == "/status":
            self._send(int(args["code"]), b'{"type":"urn:ietf:params:acme:error:badNonce"}',
                       [("Replay-Nonce", "nonce-1"), ("Retry-After", "3")])
        else:
            echo = {"method": self.command, "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body.decode()}
            self._send(200, json.dumps(echo).encode(),
                       [("X-Test", "one"), ("Link", '<https://x/alt>;rel="alternate"')])

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle


@pytest.fixture(scope="module")
def server(pki):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.connections = 0
    srv.gate = threading.Condition()
    srv.inflight = srv.seen = srv.max_inflight = 0
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki / "srv.pem", pki / "srv.key")
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()


def probe(args, ca=None, timeout=20):
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.pop("AAA_CA_BUNDLE", None)
    if ca:
        env["AAA_CA_BUNDLE"] = str(ca)
    p = subprocess.run([PROBE, *args], env=env, capture_output=True, text=True, timeout=timeout)
    lines = [json.loads(x) for x in p.stdout.splitlines()]
    return p.returncode, lines[:-1], lines[-1]["connections"], p.stderr


def url(server, path):
    return f"https://127.0.0.1:{server.server_address[1]}{path}"


def _gated(server, n, peak):
    with server.gate:
        server.inflight = server.seen = server.max_inflight = 0
    return [url(server, f"/gate?id={i}&peak={peak}&total={n}") for i in range(n)]


def test_get_many_runs_side_by_side_at_most_p_at_once(server, pki):
    before = server.connections
    rc, res, conns, _ = probe(["--parallel", "4", *_gated(server, 12, 4)], ca=pki / "ca.pem")
    assert rc == 0
    assert [r["body"] for r in res] == [str(i) for i in range(12)], "each answer to its URL"
    assert server.max_inflight == 4
    # kept alive: the 4 connections carry all 12
    assert conns == server.connections - before and conns <= 4


def test_get_many_caps_what_it_is_asked_for(server, pki):
    rc, res, _, _ = probe(["--parallel", "50", *_gated(server, 12, 8)], ca=pki / "ca.pem")
    assert rc == 0 and len(res) == 12
    assert server.max_inflight == 8  # HTTP_GET_MANY_MAX


def test_get_many_verifies_tls_and_times_each_out(server, pki):
    rc, res, _, _ = probe(["--parallel", "3", url(server, "/a"), url(server, "/b")])
    assert rc == 1
    assert all("certificate" in r["error"].lower() and r["retryable"] is False for r in res)
    port = server.server_address[1]
    rc, res, _, _ = probe(["--parallel", "3", f"https://localhost:{port}/a"],
                          ca=pki / "ca.pem")
    assert rc == 1 and res[0]["status"] == 0
    # Each its own timeout (2 s: the test server's TLS handshakes take turns).
    rc, res, _, _ = probe(["--parallel", "3", "--timeout-ms", "2000",
                           url(server, "/slow?ms=8000"), url(server, "/a"),
                           url(server, "/big?n=10")], ca=pki / "ca.pem")
    assert rc == 1
    assert "timed out" in res[0]["error"].lower() and res[0]["retryable"] is True
    assert res[1]["status"] == 200 and json.loads(res[1]["body"])["path"] == "/a"
    assert res[2]["body_len"] == 10


def test_get_many_budget_bounds_the_whole_call(server, pki):
    # One at a time, 500 ms for all: the first GET's own 10 s timeout is cut to the
    # budget, and the others never start (sent false, retryable, named by URL).
    rc, res, _, _ = probe(["--parallel", "1", "--budget-ms", "500", "--timeout-ms", "10000",
                           url(server, "/slow?ms=8000"), url(server, "/a?q=1"),
                           url(server, "/b")], ca=pki / "ca.pem")
    assert rc == 1
    assert res[0]["sent"] is True and "timed out" in res[0]["error"].lower()
    for r, path in zip(res[1:], ("/a", "/b")):
        assert r["sent"] is False and r["retryable"] is True and r["status"] == 0
        assert f"{path}: not sent" in r["error"] and "q=1" not in r["error"]
    # Without a budget the same GETs are all sent.
    rc, res, _, _ = probe(["--parallel", "3", url(server, "/a"), url(server, "/b")],
                          ca=pki / "ca.pem")
    assert rc == 0 and all(r["sent"] for r in res)


def test_keepalive_one_connection_and_user_agent(server, pki):
    before = server.connections
    rc, res, conns, _ = probe([url(server, "/a"), url(server, "/b"), url(server, "/c")],
                              ca=pki / "ca.pem")
    assert rc == 0
    assert [r["status"] for r in res] == [200, 200, 200]
    assert conns == 1
    assert server.connections - before == 1
    echo = json.loads(res[0]["body"])
    assert echo["headers"]["user-agent"] == "aaa/0.1.0"


def test_methods_body_and_headers(server, pki):
    rc, res, _, _ = probe(["--method", "PUT", "--data", "bytes", url(server, "/q")],
                          ca=pki / "ca.pem")
    assert rc == 0
    put = res[0]
    rc, res, _, _ = probe(["--method", "POST", "--header", "Content-Type: application/jose+json",
                           "--data", '{"a":1}', url(server, "/p"),
                           "--method", "DELETE", url(server, "/r"),
                           "--method", "HEAD", url(server, "/s")], ca=pki / "ca.pem")
    assert rc == 0
    post, delete, head = res
    e = json.loads(post["body"])
    assert (e["method"], e["body"]) == ("POST", '{"a":1}')
    assert e["headers"]["content-type"] == "application/jose+json"
    assert "expect" not in e["headers"]
    e = json.loads(put["body"])
    assert (e["method"], e["body"]) == ("PUT", "bytes")
    assert "content-type" not in e["headers"]  # curl's form default suppressed
    assert json.loads(delete["body"])["method"] == "DELETE"
    assert head["status"] == 200 and head["body_len"] == 0
    assert post["headers"]["X-Test"] == "one"
    assert post["headers"]["Link"] == '<https://x/alt>;rel="alternate"'


def test_error_status_is_a_response_not_a_transport_failure(server, pki):
    rc, res, _, _ = probe([url(server, "/status?code=400")], ca=pki / "ca.pem")
    assert rc == 0
    assert res[0]["status"] == 400
    assert res[0]["headers"]["Replay-Nonce"] == "nonce-1"
    assert "badNonce" in res[0]["body"]


def test_response_size_cap(server, pki):
    rc, res, _, _ = probe(["--max", "1000", url(server, "/big?n=999"),
                           url(server, "/big?n=5000")], ca=pki / "ca.pem")
    assert rc == 1
    assert res[0]["status"] == 200 and res[0]["body_len"] == 999
    assert "larger than 1000 bytes" in res[1]["error"]
    assert res[1]["retryable"] is False


def test_total_timeout(server, pki):
    # The server answers after 2.5 s: without the 300 ms limit the request succeeds.
    rc, res, _, _ = probe(["--timeout-ms", "300", url(server, "/slow?ms=2500")],
                          ca=pki / "ca.pem")
    assert rc == 1
    assert "timed out" in res[0]["error"].lower()
    assert res[0]["retryable"] is True


def test_tls_verification_always_on(server, pki):
    # Without the test CA: refused.
    rc, res, _, _ = probe([url(server, "/a")])
    assert rc == 1
    assert "certificate" in res[0]["error"].lower()
    assert res[0]["retryable"] is False
    # Right CA but wrong host name (the certificate is for 127.0.0.1 only).
    port = server.server_address[1]
    rc, res, _, _ = probe([f"https://localhost:{port}/a"], ca=pki / "ca.pem")
    assert rc == 1
    assert res[0]["status"] == 0


def test_ssl_cert_file_is_the_system_bundle(server, pki, tmp_path):
    # On Lambda, bootstrap points SSL_CERT_FILE at the bundle in the zip;
    # libcurl's compiled default path does not exist there.
    env_ca = str(pki / "ca.pem")
    p = subprocess.run([PROBE, url(server, "/a")], capture_output=True, text=True, timeout=20,
                       env={**{k: v for k, v in os.environ.items() if k != "AAA_CA_BUNDLE"},
                            "SSL_CERT_FILE": env_ca})
    assert p.returncode == 0, p.stdout
    # And a bundle without the server's CA is really used (not the default).
    empty = tmp_path / "other.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(tmp_path / "k"),
                    "-out", str(empty), "-days", "1", "-subj", "/CN=other"],
                   check=True, capture_output=True)
    p = subprocess.run([PROBE, url(server, "/a")], capture_output=True, text=True, timeout=20,
                       env={**{k: v for k, v in os.environ.items() if k != "AAA_CA_BUNDLE"},
                            "SSL_CERT_FILE": str(empty)})
    assert p.returncode == 1


def test_ca_bundle_unreadable_is_named(server):
    rc, res, _, err = probe([url(server, "/a")], ca="/nonexistent/ca.pem")
    assert rc == 1
    assert "/nonexistent/ca.pem" in err


def test_connection_refused_is_clear():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    rc, res, _, _ = probe([f"http://127.0.0.1:{port}/x?X-Amz-Signature=abc"])
    assert rc == 1
    assert res[0]["status"] == 0
    err = res[0]["error"]
    assert f"127.0.0.1:{port}/x" in err
    assert "X-Amz-Signature" not in err  # query strings never reach messages
    assert res[0]["retryable"] is True
