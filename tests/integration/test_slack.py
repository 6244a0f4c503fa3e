"""The Slack slash command end to end: the real `bootstrap` and binary as the
dispatcher under the Lambda emulator, behind the emulator's API Gateway (a
real HTTP POST becomes an HTTP API v2 or a REST v1 proxy event), the signing
secret encrypted with moto's KMS, and the executor replaced by a recording
function so the test sees exactly the payload it would get.

Also slack_notify (through tests/tools/slack_tool) against the response_url
fixture: Block Kit arrives, the sixth post is refused, Slack's refusal is
reported. Timings are printed, never asserted. The last test runs the whole path
with the real executor, pebble and moto, and reads the result at the
response_url."""
import base64
import hashlib
import hmac
import importlib
import json
import os
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

emulator = importlib.import_module("tests.integration.lambda.emulator")

BUILD = os.environ.get("AAA_BUILD", os.path.join(_REPO, "build"))
TOOL = os.path.join(BUILD, "tools", "slack_tool")
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"

# A minimal custom runtime that answers every invocation at once: it stands
# in for the executor, and the emulator records each payload it is given.
RECORDER = """#!/usr/bin/python3
import os, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
while True:
    with opener.open(api + "next") as r:
        rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
        r.read()
    opener.open(urllib.request.Request(api + rid + "/response", data=b'{"state":"recorded"}',
                                       method="POST")).read()
"""


@pytest.fixture
def task_root(task_root, tmp_path):
    """conftest's task root, plus a recording executor beside it."""
    rec = tmp_path / "recorder" / "bootstrap"
    rec.parent.mkdir()
    rec.write_text(RECORDER)
    rec.chmod(rec.stat().st_mode | stat.S_IXUSR)
    return task_root


@pytest.fixture
def ciphertext(aws):
    """The signing secret as `aws kms encrypt` gives it (base64)."""
    key = aws.create_kms_key()
    blob = aws.direct_client("kms").encrypt(KeyId=key["key_id"],
                                            Plaintext=SECRET.encode())["CiphertextBlob"]
    return base64.b64encode(blob).decode()


@pytest.fixture
def slack(task_root, tmp_path, aws, ciphertext, response_url):
    """(emulator, dispatcher Function, recorder Function, env) with the gateway
    left to each test (v2 or v1)."""
    emu = emulator.LambdaEmulator(retry_delays=(0.05, 0.05)).start()
    env = dict(aws.env())
    env.update({
        "AWS_EC2_METADATA_DISABLED": "true",
        "AAA_SLACK_SIGNING_SECRET": ciphertext,
        "AAA_EXECUTOR_FUNCTION": "executor",
        "AAA_ALLOWED_DOMAINS": "*.example.com,example.org",
        "AAA_SLACK_USERS": "U1,U2",
        "AAA_SLACK_RESPONSE_URL_PREFIX": response_url.url + "/",
    })
    disp = emu.add_function("dispatcher", str(task_root / "bootstrap"), env=env, timeout=10,
                            handler="dispatcher")
    rec = emu.add_function("executor", str(tmp_path / "recorder" / "bootstrap"), env={},
                           timeout=10, handler="executor")
    global _RESPONSE_URL
    _RESPONSE_URL = response_url.url + "/commands/T1/1/abc"
    try:
        yield emu, disp, rec, env
    finally:
        emu.stop()


_RESPONSE_URL = None


def form(text, user="U1", trigger="111.222.abc", response_url=None):
    """A slash command's form body; response_url defaults to the fixture's."""
    response_url = response_url or _RESPONSE_URL
    return urllib.parse.urlencode({
        "token": "legacy-not-used", "team_id": "T1", "team_domain": "acme",
        "channel_id": "C1", "channel_name": "ops", "user_id": user, "user_name": "alice",
        "command": "/letsencrypt", "text": text, "api_app_id": "A1",
        "response_url": response_url, "trigger_id": trigger}).encode()


def sign(body, ts=None, secret=SECRET):
    """Slack's scheme, computed here independently of the C code."""
    ts = str(int(time.time()) if ts is None else ts)
    mac = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=" + mac.hexdigest(),
            "Content-Type": "application/x-www-form-urlencoded"}


def post(url, body, headers):
    req = urllib.request.Request(url + "/slack", data=body, method="POST", headers=headers)
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, out = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, out = e.code, e.read()
    return status, json.loads(out or b"null"), (time.monotonic() - t0) * 1000.0


def executor_payloads(emu):
    return [json.loads(i.payload) for i in emu.invocations if i.function == "executor"]


@pytest.mark.parametrize("version", ["2.0", "1.0"])
def test_signed_command_is_acknowledged_and_handed_off_async(slack, response_url, version):
    emu, disp, rec, _ = slack
    url = response_url.url + "/commands/T1/1/abc"
    body = form("cert WWW.example.com *.example.com --key-type ec384", response_url=url)
    with emulator.ApiGateway(emu, "dispatcher", version=version) as gw:
        status, doc, ms = post(gw.url, body, sign(body))
        ev = gw.requests[-1][0]
    print(f"\nslack {version}: dispatcher answered in {ms:.1f} ms (cold start included)")
    assert status == 200, doc
    assert doc["response_type"] == "ephemeral"
    assert doc["text"].startswith("Working on it: cert for www.example.com, *.example.com")
    # The event really was the API Gateway shape asked for.
    assert ("version" in ev) == (version == "2.0")
    emu.wait_idle(timeout=20)
    payloads = executor_payloads(emu)
    assert len(payloads) == 1, payloads
    p = payloads[0]
    assert p["action"] == "cert"
    assert p["names"] == ["www.example.com", "*.example.com"]
    assert p["key_type"] == "ec384" and p["create_key"] is False
    assert p["response_url"] == url
    assert p["requested_by"] == {"team": "T1", "channel": "C1", "user": "U1",
                                 "user_name": "alice"}
    # The key: the documented derivation, so a retry of this command maps to it.
    key = "slack-" + hashlib.sha256(b"slack-trigger\x00T1\x00111.222.abc").hexdigest()[:32]
    assert p["idempotency_key"] == key
    # The job id the user is told is the one the executor derives from the key.
    job = "k" + hashlib.sha256(key.encode()).hexdigest()[:32]
    assert f"(job {job})" in doc["text"]
    # Handed off asynchronously: Lambda's Event invocation type, answered 202.
    kinds = [r["type"] for r in emu.invoke_requests if r["function"] == "executor"]
    assert kinds == ["Event"]
    assert [i.kind for i in emu.invocations if i.function == "executor"] == ["async"]
    # No secret in the dispatcher's logs.
    logs = "\n".join(line for _, _, line in disp.logs)
    assert SECRET not in logs
    assert "legacy-not-used" not in logs


def test_bad_signature_old_timestamp_missing_header_are_401(slack):
    emu, disp, rec, _ = slack
    body = form("ls")
    with emulator.ApiGateway(emu, "dispatcher") as gw:
        h = sign(body)
        h["X-Slack-Signature"] = h["X-Slack-Signature"][:-1] + (
            "0" if h["X-Slack-Signature"][-1] != "0" else "1")
        assert post(gw.url, body, h)[0] == 401
        # One changed byte of the body under a good signature.
        assert post(gw.url, body.replace(b"ls", b"lt"), sign(body))[0] == 401
        # Correctly signed, but six minutes old.
        assert post(gw.url, body, sign(body, ts=int(time.time()) - 360))[0] == 401
        h = sign(body)
        del h["X-Slack-Signature"]
        assert post(gw.url, body, h)[0] == 401
        # Signed with another secret.
        assert post(gw.url, body, sign(body, secret="not-the-secret"))[0] == 401
        status, doc, _ = post(gw.url, body, sign(body))
        assert status == 200 and "Working on it" in doc["text"], doc
    emu.wait_idle(timeout=20)
    assert len(executor_payloads(emu)) == 1


def test_refused_user_and_domain_get_an_ephemeral_naming_the_rule(slack):
    emu, disp, rec, _ = slack
    with emulator.ApiGateway(emu, "dispatcher") as gw:
        body = form("ls", user="U666")
        status, doc, _ = post(gw.url, body, sign(body))
        assert status == 200 and doc["response_type"] == "ephemeral"
        assert "AAA_SLACK_USERS" in doc["text"]
        body = form("cert www.example.net", trigger="2")
        status, doc, _ = post(gw.url, body, sign(body))
        assert status == 200 and "AAA_ALLOWED_DOMAINS" in doc["text"]
        assert "www.example.net" in doc["text"]
        body = form("cert 'www.example.com;reboot'", trigger="3")
        status, doc, _ = post(gw.url, body, sign(body))
        assert status == 200 and "not a valid domain name" in doc["text"]
        body = form("help", trigger="4")
        status, doc, _ = post(gw.url, body, sign(body))
        assert status == 200 and "/letsencrypt cert NAME" in doc["text"]
    emu.wait_idle(timeout=20)
    assert executor_payloads(emu) == []


def test_slack_retry_does_not_invoke_twice(slack):
    emu, disp, rec, _ = slack
    body = form("renew www.example.com")
    with emulator.ApiGateway(emu, "dispatcher") as gw:
        status, doc, _ = post(gw.url, body, sign(body))
        assert status == 200 and "Working on it" in doc["text"]
        # Slack retries with the same body, a new timestamp and X-Slack-Retry-Num.
        h = sign(body, ts=int(time.time()) + 1)
        h["X-Slack-Retry-Num"] = "1"
        h["X-Slack-Retry-Reason"] = "http_timeout"
        status, doc, _ = post(gw.url, body, h)
        assert status == 200 and "Still working on it" in doc["text"]
        # The same request replayed without the header is refused.
        assert post(gw.url, body, sign(body))[0] == 401
    emu.wait_idle(timeout=20)
    assert [p["action"] for p in executor_payloads(emu)] == ["renew"]


@pytest.mark.parametrize("secret", [None, "not base64!", "AQIDBAUGBwg="])
def test_unset_or_undecryptable_secret_is_a_function_error_not_an_open_door(slack, secret):
    emu, disp, rec, env = slack
    e = dict(env)
    del e["AAA_SLACK_SIGNING_SECRET"]
    if secret is not None:
        e["AAA_SLACK_SIGNING_SECRET"] = secret
    emu.add_function("open", str(disp.bootstrap), env=e, timeout=10, handler="dispatcher")
    body = form("ls")
    with emulator.ApiGateway(emu, "open") as gw:
        status, _, _ = post(gw.url, body, sign(body))
        # Not remembered as "no secret": the next request tries KMS again.
        status2, _, _ = post(gw.url, body, sign(body))
    assert status == 502 and status2 == 502
    invs = [i for i in emu.invocations if i.function == "open"]
    assert [i.error_type for i in invs] == ["SlackNotConfigured"] * 2
    assert "AAA_SLACK_SIGNING_SECRET" in invs[0].error["errorMessage"]
    assert executor_payloads(emu) == []


def test_legacy_token_is_checked_when_configured(slack, aws):
    emu, disp, rec, env = slack
    key = aws.create_kms_key()
    blob = aws.direct_client("kms").encrypt(KeyId=key["key_id"],
                                            Plaintext=b"legacy-token-1\n")["CiphertextBlob"]
    e = dict(env, AAA_SLACK_VERIFICATION_TOKEN=base64.b64encode(blob).decode())
    emu.add_function("tok", str(disp.bootstrap), env=e, timeout=10, handler="dispatcher")
    with emulator.ApiGateway(emu, "tok") as gw:
        # Signed, but the form's token is not the configured one.
        body = form("ls")
        assert post(gw.url, body, sign(body))[0] == 401
        # Signed and the right token (the encrypted value's newline is dropped).
        body = form("ls", trigger="tok-2").replace(b"legacy-not-used", b"legacy-token-1")
        status, doc, _ = post(gw.url, body, sign(body))
        assert status == 200 and "Working on it" in doc["text"], doc
    emu.wait_idle(timeout=20)
    assert [p["action"] for p in executor_payloads(emu)] == ["ls"]
    logs = "\n".join(line for _, _, line in emu.functions["tok"].logs)
    assert "legacy-token-1" not in logs


def test_hostile_texts_are_refused_and_never_invoke(slack):
    """Unicode, quotes, shell metacharacters, 10,000 characters, 200 names: a clear
    refusal through the real binary, never a crash or an injected name."""
    emu, disp, rec, _ = slack
    texts = ["cert \u00e9t\u00e9.example.com", "cert \"www.example.com\"",
             "cert www.example.com;id", "cert $(reboot).example.com",
             "cert `id`.example.com|x", "cert www.example.com\x00evil.com",
             "cert " + "a" * 10000,
             "cert " + " ".join(f"n{i}.example.com" for i in range(200)),
             "cert <!channel>", "\u202ecert www.example.com"]
    with emulator.ApiGateway(emu, "dispatcher") as gw:
        for i, text in enumerate(texts):
            body = form(text, trigger=f"h{i}")
            status, doc, _ = post(gw.url, body, sign(body))
            assert status in (200, 400), (text[:40], status, doc)
            if status == 200:
                assert doc["response_type"] == "ephemeral"
                assert "Working on it" not in doc["text"], text[:40]
                assert "<" not in doc["text"]
    emu.wait_idle(timeout=20)
    assert executor_payloads(emu) == []
    assert disp.sandboxes == 1 and disp.exits == []


def test_latency_over_warm_requests(slack, aws):
    """Printed for the issue's note (AAA_SLACK_LATENCY_N requests, default 40); the
    bench tool gives the in-process figure."""
    emu, disp, rec, _ = slack
    n = int(os.environ.get("AAA_SLACK_LATENCY_N", "40"))
    times = []
    with emulator.ApiGateway(emu, "dispatcher") as gw:
        for i in range(n):
            body = form("status www.example.com", trigger=f"lat-{i}")
            status, doc, ms = post(gw.url, body, sign(body))
            assert status == 200 and "Working on it" in doc["text"], doc
            times.append(ms)
    emu.wait_idle(timeout=30 + n * 0.1)
    assert len(executor_payloads(emu)) == n
    # The secret was decrypted once per cold start, not per request (a loaded machine
    # may restart a sandbox that overran its timeout; each start decrypts once).
    colds = emu.functions["dispatcher"].sandboxes
    assert colds < n / 4, colds
    assert aws.proxy.stats()["by_action"].get("kms:Decrypt") == colds, \
        (colds, aws.proxy.stats()["by_action"])
    first = times[0]
    times.sort()
    print(f"\nslack via API Gateway emulator: first (cold) {first:.1f} ms, p50 "
          f"{times[len(times) // 2]:.1f} ms, p99 {times[len(times) * 99 // 100]:.1f} ms, "
          f"max {times[-1]:.1f} ms over {n}")


def _tool(*args, env=None):
    if not os.access(TOOL, os.X_OK):
        pytest.fail(f"{TOOL} is not built (make BUILD=... {TOOL})")
    return subprocess.run([TOOL, *args], capture_output=True, text=True, timeout=60,
                          env=env)


def test_notify_posts_block_kit_and_stops_at_five(response_url):
    env = dict(os.environ, AAA_SLACK_RESPONSE_URL_PREFIX=response_url.url + "/")
    result = {"job": "slack-1", "action": "cert", "state": "done",
              "names": ["www.example.com"],
              "cert": {"name": "www.example.com", "serial": "04ab",
                       "not_after": "2027-02-22T00:00:00Z", "issuer": "CN=Pebble <x>",
                       "key_type": "ec256"},
              "deployed": [{"target": "acm:us-east-1", "ok": True, "detail": "arn:aws:acm:x"}]}
    p = _tool("notify", response_url.url + "/commands/T1/1/abc", json.dumps(result), "6",
              env=env)
    out = json.loads(p.stdout)
    assert [r["rc"] for r in out["results"]] == [0, 0, 0, 0, 0, -1]
    assert "allows 5 posts" in out["results"][5]["error"]
    assert out["posts_used"] == 5
    reqs = response_url.wait_for(5)
    time.sleep(0.2)
    assert len(response_url.requests) == 5
    assert reqs[0].path == "/commands/T1/1/abc"
    assert reqs[0].headers["content-type"].startswith("application/json")
    msg = response_url.messages()[0]
    assert msg["response_type"] == "in_channel" and msg["replace_original"] is False
    text = json.dumps(msg["blocks"])
    assert "Certificate *www.example.com* issued" in text
    assert "2027-02-22T00:00:00Z" in text and "CN=Pebble &lt;x&gt;" in text
    assert "acm:us-east-1" in text


def test_notify_reports_slack_refusal_and_foreign_urls(response_url):
    env = dict(os.environ, AAA_SLACK_RESPONSE_URL_PREFIX=response_url.url + "/")
    response_url.respond(404, b"expired_url")
    result = {"job": "j", "action": "renew", "state": "failed", "names": ["a.example.com"],
              "error": {"source": "acme", "code": "urn:ietf:params:acme:error:rateLimited",
                        "message": "too many", "hint": "wait a week"}}
    p = _tool("notify", response_url.url + "/commands/x", json.dumps(result), env=env)
    out = json.loads(p.stdout)
    assert out["results"][0]["rc"] == -1
    assert "HTTP 404: expired_url" in out["results"][0]["error"]
    assert out["posts_used"] == 1
    msg = response_url.messages()[0]
    assert "rateLimited" in json.dumps(msg) and "wait a week" in json.dumps(msg)
    # Anything outside the prefix is never contacted.
    response_url.clear()
    p = _tool("notify", "http://127.0.0.2:1/commands/x", json.dumps(result), env=env)
    out = json.loads(p.stdout)
    assert out["results"][0]["rc"] == -1 and out["posts_used"] == 0
    assert "not under the allowed prefix" in out["results"][0]["error"]
    p = _tool("progress", response_url.url + "/commands/y", "j", "DNS records published",
              env=env)
    assert p.returncode == 0, p.stderr
    assert response_url.messages()[0]["text"].startswith(":hourglass_flowing_sand: DNS records")


def test_end_to_end_certificate_arrives_at_response_url(task_root, stack, aws, ciphertext,
                                                         response_url, aaa, tmp_path, pebble):
    """Slack → API Gateway → dispatcher → Invoke (Event) → the real executor → pebble and
    moto → Block Kit at the response_url, with the job id the user was first told."""
    zone = f"s{os.urandom(4).hex()}.example.test"
    aws.create_zone(zone)
    store = f"file://{tmp_path}/store"
    reg = aaa("reg", "--email", "ops@example.test", "--agree", "--store", store)
    assert reg.returncode == 0, reg.stderr
    base = stack.aaa_env(tmp_path / "fn-home")
    base.pop("HOME", None)
    base.update({"AAA_STORE": store, "AWS_EC2_METADATA_DISABLED": "true",
                 "AAA_SLACK_RESPONSE_URL_PREFIX": response_url.url + "/"})
    disp_env = dict(base, AAA_SLACK_SIGNING_SECRET=ciphertext, AAA_EXECUTOR_FUNCTION="executor",
                    AAA_ALLOWED_DOMAINS=f"*.{zone}")
    emu = emulator.LambdaEmulator(retry_delays=(0.05, 0.05)).start()
    try:
        emu.add_function("dispatcher", str(task_root / "bootstrap"), env=disp_env, timeout=10,
                         handler="dispatcher")
        emu.add_function("executor", str(task_root / "bootstrap"), env=base, timeout=120,
                         handler="executor")
        url = response_url.url + "/commands/T1/9/e2e"
        body = form(f"cert www.{zone} api.{zone}", trigger="e2e.1", response_url=url)
        with emulator.ApiGateway(emu, "dispatcher") as gw:
            status, doc, _ = post(gw.url, body, sign(body))
        assert status == 200 and "Working on it" in doc["text"], doc
        emu.wait_idle(timeout=180)
        execs = [i for i in emu.invocations if i.function == "executor"]
        assert execs and execs[-1].ok, execs
        result = json.loads(execs[-1].response)
        assert result["state"] == "done", result
        assert f"(job {result['job']})" in doc["text"]
        msgs = response_url.messages()
        assert msgs, "nothing was posted to the response_url"
        assert len(msgs) <= 5
        final = msgs[-1]
        text = json.dumps(final["blocks"])
        assert final["response_type"] == "in_channel"
        assert f"www.{zone}" in text and "issued" in text
        assert result["cert"]["serial"] in text
        assert result["job"] in text
        assert all(r.path == "/commands/T1/9/e2e" for r in response_url.requests)
    finally:
        emu.stop()
