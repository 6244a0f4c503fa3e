"""The Lambda runtime loop, end to end: the real `bootstrap` and aaa binary
under the Lambda emulator (tests/integration/lambda), driven by Debian's
`/usr/bin/aws lambda invoke` and by the emulator's own Invoke API.

The functions here get no store, no executor name and no Slack secret, so each
real handler answers with its configuration error (executor: "Configuration",
naming the store settings; scheduler: "Configuration", naming
AAA_EXECUTOR_FUNCTION; dispatcher: "SlackNotConfigured"): these tests check the
runtime's contract: routing, error documents, the loop surviving bad input,
trace ids, JSON logs, init errors, timeouts and restarts."""
import importlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

emulator = importlib.import_module("tests.integration.lambda.emulator")

BUILD = os.environ.get("AAA_BUILD", os.path.join(_REPO, "build"))
AAA = os.path.abspath(os.environ.get("AAA_BIN", os.path.join(BUILD, "aaa")))
AWS_CLI = os.environ.get("AAA_AWS_CLI", "/usr/bin/aws")
CREDS = {"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "test-secret-not-real",
         "AWS_SESSION_TOKEN": "test-token", "AWS_REGION": "us-east-1"}


@pytest.fixture
def emu():
    e = emulator.LambdaEmulator(retry_delays=(0.05, 0.05)).start()
    yield e
    e.stop()


def add(emu, task_root, name="aaa-fn", handler="", env=None, timeout=10.0):
    e = dict(CREDS)
    e.update(env or {})
    return emu.add_function(name, str(task_root / "bootstrap"), env=e, timeout=timeout,
                            handler=handler)


def aws_invoke(emu, tmp_path, name, payload, invocation_type=None):
    return emulator.aws_cli_invoke(emu.url, tmp_path, name, payload, invocation_type,
                                   creds=CREDS, cli=AWS_CLI)


def raw_invoke(emu, name, body, invocation_type="RequestResponse"):
    req = urllib.request.Request(f"{emu.url}/2015-03-31/functions/{name}/invocations",
                                 data=body, method="POST",
                                 headers={"X-Amz-Invocation-Type": invocation_type})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_aws_cli_unknown_action_then_loop_keeps_serving(emu, task_root, tmp_path):
    fn = add(emu, task_root)
    meta, body = aws_invoke(emu, tmp_path, "aaa-fn", '{"action":"nope"}')
    assert meta["StatusCode"] == 200
    assert meta.get("FunctionError") == "Unhandled"
    doc = json.loads(body)
    assert doc["errorType"] == "UnknownAction"
    for action in ("cert", "renew", "revoke", "ls", "status", "resume"):
        assert action in doc["errorMessage"]
    # The runtime sent the error type header too, not only the body.
    assert emu.invocations[-1].error_type == "UnknownAction"
    post = [r for r in fn.runtime_requests if r[1].endswith("/error")][-1]
    assert {k.lower(): v for k, v in post[2].items()}[
        "lambda-runtime-function-error-type"] == "UnknownAction"

    # Same sandbox, next invocation: a missing field names the field.
    meta, body = aws_invoke(emu, tmp_path, "aaa-fn", '{"action":"cert","names":[]}')
    doc = json.loads(body)
    assert doc["errorType"] == "InvalidRequest" and '"names"' in doc["errorMessage"]
    meta, body = aws_invoke(emu, tmp_path, "aaa-fn", '{"action":"ls"}')
    assert json.loads(body)["errorType"] == "Configuration"
    assert "store" in json.loads(body)["errorMessage"]
    assert fn.sandboxes == 1 and fn.exits == []
    assert [i.cold_start for i in emu.invocations] == [True, False, False]


def test_malformed_and_unknown_events_do_not_stop_the_loop(emu, task_root):
    fn = add(emu, task_root)
    inv = emu.invoke("aaa-fn", b'{"action": "ls"')
    assert inv.outcome == "error" and inv.error["errorType"] == "MalformedJSON"
    assert "not valid JSON" in inv.error["errorMessage"]
    inv = emu.invoke("aaa-fn", b"[1,2]")
    assert inv.error["errorType"] == "UnknownEvent"
    assert inv.error["errorMessage"] == ("unknown event: expected a scheduled event, an API "
                                         "Gateway request or {\"action\": ...}")
    inv = emu.invoke("aaa-fn", {"action": "status"})
    assert inv.error["errorType"] == "InvalidRequest" and '"job"' in inv.error["errorMessage"]
    assert fn.sandboxes == 1 and fn.exits == []


def test_oversize_payloads(emu, task_root):
    fn = add(emu, task_root)
    # The Invoke API refuses what Lambda refuses: 6 MB sync, 1 MB async.
    status, headers, _ = raw_invoke(emu, "aaa-fn", b" " * (6 * 1024 * 1024 + 1))
    assert status == 413 and headers.get("x-amzn-ErrorType") == "RequestTooLargeException"
    status, headers, _ = raw_invoke(emu, "aaa-fn", b" " * (1024 * 1024 + 1), "Event")
    assert status == 413
    # Past the emulator's gate, the runtime refuses an oversize event itself.
    big = b'{"action":"ls","pad":"' + b"a" * (6 * 1024 * 1024) + b'"}'
    inv = fn.run(emulator.Invocation("aaa-fn", big, "sync"))
    assert inv.error["errorType"] == "InvalidEvent" and "6 MB" in inv.error["errorMessage"]
    inv = emu.invoke("aaa-fn", {"action": "nope"})
    assert inv.error["errorType"] == "UnknownAction"
    assert fn.sandboxes == 1


def test_scheduled_event_goes_to_scheduler_with_async_retries(emu, task_root):
    add(emu, task_root)
    request_id = emu.fire_scheduled_event("aaa-fn")
    emu.wait_idle()
    runs = [i for i in emu.invocations if i.request_id == request_id]
    # A function error is retried twice, with the same request id.
    assert [i.attempt for i in runs] == [1, 2, 3]
    for i in runs:
        assert i.kind == "async" and i.error["errorType"] == "Configuration"
        assert "scheduler" in i.error["errorMessage"]
        assert "AAA_EXECUTOR_FUNCTION" in i.error["errorMessage"]
    inv = emu.invoke("aaa-fn", {"aaa": "schedule"})
    assert "scheduler" in inv.error["errorMessage"]


def test_api_gateway_events_go_to_dispatcher(emu, task_root):
    add(emu, task_root)
    v1 = {"resource": "/slack", "path": "/slack", "httpMethod": "POST", "headers": {},
          "requestContext": {"requestId": "x"}, "body": "", "isBase64Encoded": False}
    v2 = {"version": "2.0", "routeKey": "POST /slack", "rawPath": "/slack", "headers": {},
          "requestContext": {"http": {"method": "POST"}}, "body": "", "isBase64Encoded": True}
    for ev in (v1, v2):
        inv = emu.invoke("aaa-fn", ev)
        assert inv.error["errorType"] == "SlackNotConfigured"
        assert "AAA_SLACK_SIGNING_SECRET" in inv.error["errorMessage"]


def test_pinned_handler_refuses_other_events(emu, task_root):
    add(emu, task_root, handler="scheduler")
    inv = emu.invoke("aaa-fn", {"action": "ls"})
    assert inv.error["errorType"] == "WrongHandler"
    assert "scheduler" in inv.error["errorMessage"] and "executor" in inv.error["errorMessage"]
    inv = emu.invoke("aaa-fn", {"aaa": "schedule"})
    assert inv.error["errorType"] == "Configuration"
    assert "AAA_EXECUTOR_FUNCTION" in inv.error["errorMessage"]


def test_event_invocation_through_aws_cli_and_duplicates(task_root, tmp_path):
    with emulator.LambdaEmulator(retry_delays=(0.05,), async_retries=0,
                                 duplicate_async=True) as e:
        add(e, task_root)
        meta, _ = aws_invoke(e, tmp_path, "aaa-fn", '{"action":"ls"}', "Event")
        assert meta["StatusCode"] == 202
        e.wait_idle()
        runs = [i for i in e.invocations if i.kind == "async"]
        assert len(runs) == 2 and runs[0].request_id == runs[1].request_id
        assert all(i.error["errorType"] == "Configuration" for i in runs)


def test_trace_id_and_context_headers(emu, task_root):
    fn = add(emu, task_root, env={"AWS_LAMBDA_LOG_LEVEL": "debug"})
    inv = emu.invoke("aaa-fn", {"action": "ls"})
    inv2 = emu.invoke("aaa-fn", {"action": "ls"})
    # The runtime logs getenv("_X_AMZN_TRACE_ID") after setting it.
    def traced(lines):
        return all(any(i.request_id in line and f"trace {i.trace_id}" in line for line in lines)
                   for i in (inv, inv2))

    lines = fn.wait_stderr(traced)
    assert traced(lines), lines
    # /next was asked without a proxy and every result went to the right id.
    posts = [r[1] for r in fn.runtime_requests if r[0] == "POST"]
    assert posts == [f"/2018-06-01/runtime/invocation/{i.request_id}/error"
                     for i in (inv, inv2)]


def test_json_logs_carry_request_id(emu, task_root):
    fn = add(emu, task_root, env={"AWS_LAMBDA_LOG_FORMAT": "JSON"})
    inv = emu.invoke("aaa-fn", {"action": "nope"})
    def logged(lines):
        return any(inv.request_id in line and "UnknownAction" in line for line in lines)

    lines = [line for line in fn.wait_stderr(logged) if line.strip()]
    assert lines
    docs = [json.loads(line) for line in lines]  # every line is JSON
    mine = [d for d in docs if d.get("requestId") == inv.request_id]
    assert any(d["level"] == "ERROR" and "UnknownAction" in d["message"] for d in mine), docs


def test_bogus_handler_is_an_init_error(emu, task_root):
    fn = add(emu, task_root, handler="bogus")
    inv = emu.invoke("aaa-fn", {"action": "ls"})
    assert inv.outcome == "init_error"
    assert inv.error["errorType"] == "InvalidHandler"
    assert "_HANDLER=bogus" in inv.error["errorMessage"]
    assert fn.init_errors and fn.init_errors[0][1] == "InvalidHandler"
    deadline = time.monotonic() + 5
    while not fn.exits and time.monotonic() < deadline:
        time.sleep(0.01)
    assert fn.exits and fn.exits[0][1] == 1


def test_timeout_kills_and_next_invocation_cold_starts(emu, task_root):
    fn = add(emu, task_root, timeout=1.0)

    def hang(sandbox, inv):
        # A handler that never returns: freeze the process as it takes the event.
        if inv.attempt == 1 and fn.sandboxes == 1:
            os.killpg(sandbox.proc.pid, signal.SIGSTOP)

    fn.on_take = hang
    t0 = time.monotonic()
    inv = emu.invoke("aaa-fn", {"action": "ls"})
    assert inv.outcome == "timeout" and inv.error["errorType"] == "Sandbox.Timedout"
    assert time.monotonic() - t0 > 0.9  # not before the function's 1 s timeout
    assert fn.exits and fn.exits[0][1] == -signal.SIGKILL
    inv = emu.invoke("aaa-fn", {"action": "nope"})
    assert inv.cold_start and fn.sandboxes == 2
    assert inv.error["errorType"] == "UnknownAction"


def test_failed_post_does_not_end_the_loop(emu, task_root):
    fn = add(emu, task_root)
    fn.reject_posts = 1
    inv = emu.invoke("aaa-fn", {"action": "nope"})
    assert inv.error["errorType"] == "Emulator.PostRejected"
    inv = emu.invoke("aaa-fn", {"action": "nope"})
    assert inv.error["errorType"] == "UnknownAction"
    assert fn.sandboxes == 1 and fn.exits == []
    assert any("HTTP 500" in line
               for line in fn.wait_stderr(lambda ls: any("HTTP 500" in x for x in ls)))


def test_without_runtime_api_exits_1():
    env = {"PATH": "/usr/bin:/bin"}
    p = subprocess.run([AAA, "lambda"], env=env, capture_output=True, text=True, timeout=10)
    assert p.returncode == 1 and "AWS_LAMBDA_RUNTIME_API" in p.stderr


def test_unreachable_runtime_api_gives_up():
    port = emulator_free_port()
    env = {"PATH": "/usr/bin:/bin", "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}"}
    p = subprocess.run([AAA, "lambda"], env=env, capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and "unreachable" in p.stderr
    assert p.stderr.count("GET next") == 6  # bounded retries


def emulator_free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_measure_cold_start_and_warm_overhead(emu, task_root):
    """Printed, not asserted (performance is measured in make bench, docs/bench.md)."""
    fn = add(emu, task_root)
    colds = []
    for _ in range(5):
        fn.stop()
        emu.invoke("aaa-fn", {"action": "ls"})
        colds.append(fn.cold_starts_ms[-1])
    warm = []
    for _ in range(20):
        t = time.monotonic()
        inv = emu.invoke("aaa-fn", {"action": "ls"})
        warm.append((time.monotonic() - t) * 1000)
        assert not inv.cold_start and inv.error["errorType"] == "Configuration"
    colds.sort()
    warm.sort()
    print(f"\nlambda cold start (exec bootstrap -> first /next): median {colds[2]:.1f} ms, "
          f"min {colds[0]:.1f} ms; warm invocation round trip via emulator: median "
          f"{warm[10]:.2f} ms")


def test_concurrent_invocations_get_their_own_sandboxes(emu, task_root):
    fn = add(emu, task_root)
    fn.on_take = lambda sandbox, inv: time.sleep(0.3)  # a slow handler, seen from outside
    results = []
    threads = [threading.Thread(target=lambda: results.append(
        emu.invoke("aaa-fn", {"action": "nope"}))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.error["errorType"] for r in results] == ["UnknownAction"] * 3
    assert fn.sandboxes == 3 and len({r.sandbox for r in results}) == 3
    # Warm reuse afterwards: no new sandbox.
    fn.on_take = None
    assert not emu.invoke("aaa-fn", {"action": "nope"}).cold_start
    assert fn.sandboxes == 3


def test_reserved_concurrency_one_serialises(emu, task_root):
    fn = emu.add_function("one", str(task_root / "bootstrap"), env=dict(CREDS), concurrency=1)
    request_id = emu.invoke_async("one", {"action": "nope"})
    emu.invoke_async("one", {"action": "nope"})
    emu.wait_idle()
    assert fn.sandboxes == 1
    assert len([i for i in emu.invocations if i.request_id == request_id]) == 3


def test_concurrent_duplicate_delivery(task_root):
    with emulator.LambdaEmulator(async_retries=0, duplicate_async="concurrent") as e:
        fn = add(e, task_root)
        fn.on_take = lambda sandbox, inv: time.sleep(0.2)
        request_id = e.invoke_async("aaa-fn", {"action": "ls"})
        e.wait_idle()
        runs = [i for i in e.invocations if i.request_id == request_id]
        assert len(runs) == 2 and runs[0].sandbox != runs[1].sandbox


@pytest.mark.parametrize("version", ["2.0", "1.0"])
def test_api_gateway_front_routes_to_dispatcher(emu, task_root, version):
    add(emu, task_root, name="aaa-dispatcher", handler="dispatcher")
    with emulator.ApiGateway(emu, "aaa-dispatcher", version=version) as gw:
        status, _, body = raw_http(gw.url + "/slack", b"team_id=T1&command=%2Fcert",
                                   {"Content-Type": "application/x-www-form-urlencoded",
                                    "X-Slack-Signature": "v0=00"})
    # A dispatcher without its signing secret fails, which API Gateway shows as a 502.
    assert status == 502 and json.loads(body) == {"message": "Internal Server Error"}
    ev, inv, _ = gw.requests[0]
    assert inv.error["errorType"] == "SlackNotConfigured" and "AAA_SLACK_SIGNING_SECRET" in \
        inv.error["errorMessage"]
    assert ev["isBase64Encoded"] is True
    if version == "2.0":
        assert ev["headers"]["x-slack-signature"] == "v0=00" and ev["rawPath"] == "/slack"
    else:
        assert ev["httpMethod"] == "POST" and ev["path"] == "/slack"


def test_api_gateway_response_mapping():
    ok = emulator.Invocation("f", b"{}", "sync")
    ok.finish("success", response=json.dumps(
        {"statusCode": 401, "headers": {"X-A": "1"}, "body": "no"}).encode())
    assert emulator.api_gateway_response(ok) == (401, {"X-A": "1"}, b"no")
    plain = emulator.Invocation("f", b"{}", "sync")
    plain.finish("success", response=b'{"text":"hi"}')
    assert emulator.api_gateway_response(plain)[0] == 200
    assert emulator.api_gateway_response(plain, "1.0")[0] == 502


def raw_http(url, body, headers):
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()
