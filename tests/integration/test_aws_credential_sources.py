"""The credential sources most AWS users have today, end to end, in the AWS CLI's
order: IAM Identity Center (SSO) profiles, credential_process, and web identity.

SSO: a stand-in of the portal (GET /federation/credentials, the bearer token in
x-amz-sso_bearer_token) and of SSO OIDC's token refresh (POST /token) on
127.0.0.1, reached through AWS_ENDPOINT_URL_SSO(_OIDC) as a user would point any
AWS endpoint elsewhere; the token cache is written where
and as the AWS CLI writes it (~/.aws/sso/cache/<sha1>.json). moto has no portal.
Web identity: moto's STS AssumeRoleWithWebIdentity behind the stack's proxy,
which (like AWS) takes that call unsigned and checks every later signature
with the keys STS handed out. credential_process: real programs.

The chain is read through tests/tools/aws_probe (its source line) and through the
real `aaa doctor` (its identity check), so both the chain and its wiring into
the CLI are what is tested.
"""
import hashlib
import http.server
import json
import os
import stat
import subprocess
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest

BUILD = os.environ.get("AAA_BUILD", "build")
PROBE = os.path.join(BUILD, "tools", "aws_probe")
KEEP = ("PATH", "LANG", "LC_ALL", "TZ", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")
SSO_TOKEN = "sso-access-token-7f3a9c"
PORTAL_SECRET = "portal-secret-q8w7e6"
PORTAL_SESSION = "portal-session-token-z1x2"
EXPIRATION_MS = 4070908800000  # 2099-01-01T00:00:00Z
ROLE_ARN = "arn:aws:iam::123456789012:role/aaa-ci"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmFjbWUvYWFhIn0.c2lnbmF0dXJl"


def clean_env(home, **extra):
    env = {k: v for k, v in os.environ.items() if k in KEEP}
    env.update({"HOME": str(home), "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_REGION": "us-east-1"})
    env.update(extra)
    return env


def probe(env, *args):
    if not os.access(PROBE, os.X_OK):
        pytest.fail(f"{PROBE} is not built (make {PROBE})")
    p = subprocess.run([PROBE, *args], env=env, capture_output=True, text=True, timeout=60)
    out = json.loads(p.stdout) if p.stdout.strip() else None
    return p.returncode, out, p.stderr


@pytest.fixture
def home(tmp_path):
    h = tmp_path / "home"
    (h / ".aws" / "sso" / "cache").mkdir(parents=True)
    return h


def proxy_calls(aws, action, n):
    """The proxy's records of action once n are there: it records a request
    after relaying the answer, so the client may be done a moment before."""
    deadline = time.monotonic() + 10
    while True:
        calls = [r for r in aws.proxy.stats()["requests"] if r.get("action") == action]
        if len(calls) >= n or time.monotonic() > deadline:
            return calls
        time.sleep(0.05)


# --- the portal stand-in ------------------------------------------------------------

class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


class PortalHandler(http.server.BaseHTTPRequestHandler):
    """GetRoleCredentials as the portal answers it (REST-JSON, errors in
    x-amzn-ErrorType). Keys handed out: the server's `keys` (access, secret)."""

    def log_message(self, *a):
        pass

    def _reply(self, status, body, etype=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if etype:
            self.send_header("x-amzn-ErrorType", etype)
        self.send_header("x-amzn-RequestId", "portal-req-1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        """SSO OIDC CreateToken (grant type refresh_token), as oidc.<region> answers."""
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.server.oidc.append({"path": self.path, "body": body,
                                 "authorization": self.headers.get("Authorization")})
        if self.path != "/token":
            return self._reply(404, {"message": "no such path"})
        if (body.get("grantType"), body.get("clientId"), body.get("clientSecret"),
                body.get("refreshToken")) != ("refresh_token", "client-1", "client-secret-1",
                                              "refresh-token-1"):
            return self._reply(400, {"error": "invalid_grant",
                                     "error_description": "Invalid refresh token provided"},
                               "InvalidGrantException")
        self.server.token = "refreshed-access-token"
        return self._reply(200, {"accessToken": "refreshed-access-token", "expiresIn": 3600,
                                 "refreshToken": "refresh-token-2", "tokenType": "Bearer"})

    def do_GET(self):
        u = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        self.server.seen.append({"path": u.path, "query": q,
                                 "token": self.headers.get("x-amz-sso_bearer_token"),
                                 "authorization": self.headers.get("Authorization"),
                                 "host": self.headers.get("Host")})
        if u.path != "/federation/credentials":
            return self._reply(404, {"message": "no such path"})
        if self.headers.get("x-amz-sso_bearer_token") != self.server.token:
            return self._reply(401, {"message": "Session token not found or invalid"},
                               "UnauthorizedException")
        if (q.get("account_id"), q.get("role_name")) != ("123456789012", "AaaAdmin"):
            return self._reply(403, {"message": "No access"}, "ForbiddenException")
        ak, sk = self.server.keys
        return self._reply(200, {"roleCredentials": {
            "accessKeyId": ak, "secretAccessKey": sk, "sessionToken": PORTAL_SESSION,
            "expiration": EXPIRATION_MS}})


@pytest.fixture
def portal():
    srv = _Server(("127.0.0.1", 0), PortalHandler)
    srv.seen, srv.oidc, srv.token = [], [], SSO_TOKEN
    srv.keys = ("ASIAPORTAL", PORTAL_SECRET)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    srv.url = f"http://127.0.0.1:{srv.server_port}"
    yield srv
    srv.shutdown()
    srv.server_close()


def write_token(home, key, expires="2099-01-01T00:00:00Z", token=SSO_TOKEN, **extra):
    """The cache file `aws sso login` writes, named by the SHA-1 of key."""
    name = hashlib.sha1(key.encode()).hexdigest() + ".json"
    doc = {"startUrl": "https://acme.awsapps.com/start", "region": "eu-west-1",
           "accessToken": token, "expiresAt": expires}
    doc.update(extra)
    path = home / ".aws" / "sso" / "cache" / name
    path.write_text(json.dumps(doc))
    return path


SSO_CONFIG = """[profile dev]
sso_session = acme
sso_account_id = 123456789012
sso_role_name = AaaAdmin
region = us-east-1

[sso-session acme]
sso_start_url = https://acme.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access

[profile legacy]
sso_start_url = https://acme.awsapps.com/start
sso_region = eu-west-1
sso_account_id = 123456789012
sso_role_name = AaaAdmin

[profile other-role]
sso_session = acme
sso_account_id = 123456789012
sso_role_name = SomeoneElse
"""


# --- SSO ----------------------------------------------------------------------------

def test_sso_session_profile(home, portal):
    (home / ".aws" / "config").write_text(SSO_CONFIG)
    write_token(home, "acme")
    env = clean_env(home, AWS_PROFILE="dev", AWS_ENDPOINT_URL_SSO=portal.url)
    rc, out, err = probe(env, "creds")
    assert rc == 0, err
    assert out == {"source": "SSO role AaaAdmin in account 123456789012 (profile dev)",
                   "access_key_id": "ASIAPORTAL", "session_token": True,
                   "expiration": EXPIRATION_MS // 1000}
    assert portal.seen == [{"path": "/federation/credentials",
                            "query": {"account_id": "123456789012", "role_name": "AaaAdmin"},
                            "token": SSO_TOKEN, "authorization": None,
                            "host": f"127.0.0.1:{portal.server_port}"}]
    assert SSO_TOKEN not in err and PORTAL_SECRET not in err


def test_sso_legacy_profile_uses_the_start_url_cache(home, portal):
    (home / ".aws" / "config").write_text(SSO_CONFIG)
    env = clean_env(home, AWS_PROFILE="legacy", AWS_ENDPOINT_URL_SSO=portal.url)
    # only the session's cache: the legacy form looks elsewhere
    write_token(home, "acme")
    rc, _, err = probe(env, "creds")
    assert rc == 1
    assert "no SSO token for sso_start_url" in err
    assert "run aws sso login --profile legacy" in err
    assert portal.seen == []
    write_token(home, "https://acme.awsapps.com/start")
    rc, out, err = probe(env, "creds")
    assert rc == 0, err
    assert out["source"] == "SSO role AaaAdmin in account 123456789012 (profile legacy)"


@pytest.mark.parametrize("expires", ["2001-01-01T00:00:00Z", "2001-01-01T00:00:00UTC"])
def test_sso_expired_token_says_to_log_in(home, portal, expires):
    (home / ".aws" / "config").write_text(SSO_CONFIG)
    write_token(home, "acme", expires=expires)
    env = clean_env(home, AWS_PROFILE="dev", AWS_ENDPOINT_URL_SSO=portal.url)
    rc, out, err = probe(env, "creds")
    assert rc == 1 and out is None
    assert "profile dev: the SSO token expired at 2001-01-01T00:00:00Z: " \
           "run aws sso login --profile dev" in err
    assert portal.seen == [], "an expired token is not sent"
    assert SSO_TOKEN not in err


def test_sso_token_refused_by_the_portal(home, portal):
    (home / ".aws" / "config").write_text(SSO_CONFIG)
    write_token(home, "acme", token="revoked-token-abc")
    env = clean_env(home, AWS_PROFILE="dev", AWS_ENDPOINT_URL_SSO=portal.url)
    rc, _, err = probe(env, "creds")
    assert rc == 1
    assert "profile dev: the SSO portal refused the token" in err
    assert "run aws sso login --profile dev" in err
    assert "revoked-token-abc" not in err
    assert len(portal.seen) == 1, "a 401 is not retried"


def test_sso_role_not_assigned(home, portal):
    (home / ".aws" / "config").write_text(SSO_CONFIG)
    write_token(home, "acme")
    env = clean_env(home, AWS_PROFILE="other-role", AWS_ENDPOINT_URL_SSO=portal.url)
    rc, _, err = probe(env, "creds")
    assert rc == 1
    assert "SSO GetRoleCredentials SomeoneElse in account 123456789012: ForbiddenException: " \
           "No access (request id portal-req-1, HTTP 403)" in err


def test_sso_session_token_refreshed_like_the_cli(home, portal):
    """Ten minutes left and a refresh token: SSO OIDC CreateToken first (as the
    AWS CLI does within 15 minutes of the end), the new token to the portal and
    into the cache file; a refused refresh of an expired token says to log in."""
    import datetime
    soon = (datetime.datetime.now(datetime.timezone.utc) +
            datetime.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    (home / ".aws" / "config").write_text(SSO_CONFIG)
    path = write_token(home, "acme", expires=soon, token="old-access-token",
                       clientId="client-1", clientSecret="client-secret-1",
                       refreshToken="refresh-token-1",
                       registrationExpiresAt="2099-01-01T00:00:00Z")
    env = clean_env(home, AWS_PROFILE="dev", AWS_ENDPOINT_URL_SSO=portal.url,
                    AWS_ENDPOINT_URL_SSO_OIDC=portal.url)
    rc, out, err = probe(env, "creds")
    assert rc == 0, err
    assert out["access_key_id"] == "ASIAPORTAL"
    assert [(o["path"], o["body"]["grantType"], o["authorization"]) for o in portal.oidc] == \
        [("/token", "refresh_token", None)]
    assert [s["token"] for s in portal.seen] == ["refreshed-access-token"]
    cache = json.loads(path.read_text())
    assert cache["accessToken"] == "refreshed-access-token"
    assert cache["refreshToken"] == "refresh-token-2"
    assert cache["expiresAt"] > soon and cache["clientSecret"] == "client-secret-1"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for secret in ("refreshed-access-token", "refresh-token-", "client-secret-1"):
        assert secret not in err

    write_token(home, "acme", expires="2001-01-01T00:00:00Z", clientId="client-1",
                clientSecret="client-secret-1", refreshToken="revoked-refresh-token")
    rc, _, err = probe(env, "creds")
    assert rc == 1
    assert "the SSO token expired at 2001-01-01T00:00:00Z and could not be refreshed: " \
           "run aws sso login --profile dev" in err
    assert "revoked-refresh-token" not in err


@pytest.mark.parametrize("config, message", [
    ("[profile dev]\nsso_session = nope\nsso_account_id = 1\nsso_role_name = R\n",
     "profile dev: sso_session nope has no [sso-session nope] section"),
    ("[profile dev]\nsso_start_url = https://x/start\nsso_account_id = 1\n"
     "sso_role_name = R\n", "profile dev uses SSO and needs sso_region"),
    ("[profile dev]\nsso_session = s\n[sso-session s]\nsso_start_url = https://x/start\n"
     "sso_region = eu-west-1\n", "needs sso_account_id and sso_role_name"),
    ("[profile dev]\nsso_session = s\nsso_region = us-east-2\nsso_account_id = 1\n"
     "sso_role_name = R\n[sso-session s]\nsso_start_url = https://x/start\n"
     "sso_region = eu-west-1\n", "differ from those of [sso-session s]"),
])
def test_sso_configuration_errors(home, portal, config, message):
    (home / ".aws" / "config").write_text(config)
    rc, _, err = probe(clean_env(home, AWS_PROFILE="dev", AWS_ENDPOINT_URL_SSO=portal.url),
                       "creds")
    assert rc == 1 and message in err, err
    assert portal.seen == []


# --- credential_process -------------------------------------------------------------

def script(path, body):
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_credential_process(home, tmp_path):
    args = tmp_path / "args"
    prog = script(tmp_path / "creds tool", f"""
for a in "$@"; do printf '%s\\n' "$a"; done > '{args}'
cat <<'EOF'
{{"Version": 1, "AccessKeyId": "AKIDPROCESS", "SecretAccessKey": "process-secret-9",
  "SessionToken": "process-token", "Expiration": "2099-01-01T00:00:00Z"}}
EOF
""")
    pwned = tmp_path / "pwned"
    # quoted words, a backslash-escaped blank, and shell syntax that must stay text
    (home / ".aws" / "config").write_text(
        f"[default]\ncredential_process = \"{prog}\" 'a b' c\\ d \"$(touch {pwned})\" ; "
        f"touch {pwned} `touch {pwned}`\n")
    rc, out, err = probe(clean_env(home), "creds")
    assert rc == 0, err
    assert out == {"source": f"credential_process {prog} (profile default)",
                   "access_key_id": "AKIDPROCESS", "session_token": True,
                   "expiration": 4070908800}
    assert args.read_text().splitlines() == [
        "a b", "c d", f"$(touch {pwned})", ";", "touch", str(pwned), f"`touch", f"{pwned}`"]
    assert not pwned.exists(), "the command went through a shell"
    assert "process-secret-9" not in err and "process-token" not in err


@pytest.mark.parametrize("body, message", [
    ("echo 'token for acme expired; run acme-login' >&2\necho '{\"leak\":\"out-secret\"}'\n"
     "exit 3\n", "exited with status 3: token for acme expired; run acme-login"),
    ("echo '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"out-secret\"}'\n",
     "printed another Version; only \"Version\": 1 is supported"),
    ("echo 'not json out-secret'\n", "did not print a JSON object"),
    ("echo '{\"Version\": 1, \"AccessKeyId\": \"A\"}'\n", "printed no AccessKeyId or "
     "SecretAccessKey"),
    ("echo '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"out-secret\", "
     "\"Expiration\": \"2001-01-01T00:00:00Z\"}'\n", "printed credentials that expired at "
     "2001-01-01T00:00:00Z"),
    ("kill -9 $$\n", "was killed by signal 9"),
])
def test_credential_process_failures(home, tmp_path, body, message):
    prog = script(tmp_path / "tool", body)
    (home / ".aws" / "config").write_text(
        f"[profile p]\ncredential_process = {prog} --password arg-secret\n")
    rc, out, err = probe(clean_env(home, AWS_PROFILE="p"), "creds")
    assert rc == 1 and out is None
    assert f"profile p: credential_process {prog} " + message in err, err
    assert "out-secret" not in err and "arg-secret" not in err


def test_credential_process_not_found_and_bad_quotes(home, tmp_path):
    (home / ".aws" / "config").write_text(
        f"[profile a]\ncredential_process = {tmp_path}/missing\n"
        "[profile b]\ncredential_process = tool 'unterminated\n")
    rc, _, err = probe(clean_env(home, AWS_PROFILE="a"), "creds")
    assert rc == 1 and f"cannot run {tmp_path}/missing: No such file or directory" in err
    rc, _, err = probe(clean_env(home, AWS_PROFILE="b"), "creds")
    assert rc == 1 and "credential_process has an unterminated single quote" in err
    assert "unterminated\n" not in err


# --- the order the AWS CLI uses -----------------------------------------------------

def test_order_within_a_profile(home, tmp_path, portal):
    prog = script(tmp_path / "tool", "echo '{\"Version\":1,\"AccessKeyId\":\"AKIDPROC\","
                                     "\"SecretAccessKey\":\"s\"}'\n")
    write_token(home, "acme")
    (home / ".aws" / "config").write_text(
        SSO_CONFIG.replace("[profile dev]\n", "[profile dev]\naws_access_key_id = AKIDCFG\n"
                           "aws_secret_access_key = s\n"
                           f"credential_process = {prog}\n", 1) +
        f"[profile proc]\ncredential_process = {prog}\naws_access_key_id = AKIDCFG\n"
        "aws_secret_access_key = s\n"
        f"[profile filekeys]\ncredential_process = {prog}\n")
    (home / ".aws" / "credentials").write_text(
        "[filekeys]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n")

    def akid(**e):
        rc, out, err = probe(clean_env(home, AWS_ENDPOINT_URL_SSO=portal.url, **e), "creds")
        assert rc == 0, err
        return out["access_key_id"]

    assert akid(AWS_PROFILE="dev") == "ASIAPORTAL"      # SSO before keys and process
    assert akid(AWS_PROFILE="proc") == "AKIDPROC"       # process before config-file keys
    assert akid(AWS_PROFILE="filekeys") == "AKIDFILE"   # credentials-file keys before process
    # the environment's keys before everything
    assert akid(AWS_PROFILE="dev", AWS_ACCESS_KEY_ID="AKIDENV",
                AWS_SECRET_ACCESS_KEY="s") == "AKIDENV"


def test_role_with_an_sso_source_profile(stack, aws, home, portal):
    """role_arn + source_profile naming an SSO profile: the portal's keys (the
    stack's own, so the proxy accepts their signature) sign AssumeRole."""
    from tests.integration.stack.stack import ACCESS_KEY, SECRET_KEY
    portal.keys = (ACCESS_KEY, SECRET_KEY)
    write_token(home, "acme")
    (home / ".aws" / "config").write_text(
        SSO_CONFIG + "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\n"
        "source_profile = dev\n")
    env = stack.aaa_env(home)
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(k)
    env.update({"AWS_PROFILE": "app", "AWS_ENDPOINT_URL_SSO": portal.url})
    rc, out, err = probe(env, "creds")
    assert rc == 0, err
    assert out["source"] == "role arn:aws:iam::123456789012:role/app (profile app)"
    assert len(portal.seen) == 1
    calls = proxy_calls(aws, "AssumeRole", 1)
    assert len(calls) == 1 and calls[0]["access_key"] == ACCESS_KEY


# --- web identity against moto's STS ------------------------------------------------

def web_env(stack, home, token_file, **extra):
    env = stack.aaa_env(home)
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(k)
    env.update({"AWS_WEB_IDENTITY_TOKEN_FILE": str(token_file), "AWS_ROLE_ARN": ROLE_ARN,
                "AWS_ROLE_SESSION_NAME": "gha-run-42"})
    env.update(extra)
    return env


def test_web_identity_from_the_environment(stack, aws, home, tmp_path):
    tok = tmp_path / "token"
    tok.write_text(JWT + "\n")
    env = web_env(stack, home, tok)
    rc, out, err = probe(env, "creds")
    assert rc == 0, err
    assert out["source"] == f"web identity role {ROLE_ARN} (AWS_WEB_IDENTITY_TOKEN_FILE)"
    assert out["session_token"] and out["expiration"] > 0
    calls = proxy_calls(aws, "AssumeRoleWithWebIdentity", 1)
    assert len(calls) == 1 and calls[0]["status"] == 200
    assert calls[0].get("access_key") is None, "the call is unsigned"
    # the assumed keys sign the next call (the proxy checks it with botocore)
    rc, out, err = probe(env, "call", "STS", "GetCallerIdentity", "POST", "/", "--body",
                         "Action=GetCallerIdentity&Version=2011-06-15", "--header",
                         "Content-Type: application/x-www-form-urlencoded; charset=utf-8")
    assert rc == 0, err
    assert "assumed-role/aaa-ci/gha-run-42" in out["body"]
    assert JWT not in err


def test_web_identity_from_a_profile(stack, aws, home, tmp_path):
    tok = tmp_path / "token"
    tok.write_text(JWT)
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    (home / ".aws" / "config").write_text(
        f"[profile ci]\nweb_identity_token_file = {tok}\nrole_arn = {ROLE_ARN}\n"
        "role_session_name = from-profile\n")
    env = web_env(stack, home, tok, AWS_PROFILE="ci")
    for k in ("AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME"):
        env.pop(k)
    rc, out, err = probe(env, "creds")
    assert rc == 0, err
    assert out["source"] == f"web identity role {ROLE_ARN} (profile ci)"


def test_web_identity_errors(stack, aws, home, tmp_path):
    tok = tmp_path / "token"
    env = web_env(stack, home, tok)
    rc, _, err = probe(env, "creds")
    assert rc == 1
    assert f"web identity: cannot read the token file {tok} (AWS_WEB_IDENTITY_TOKEN_FILE): " \
           "No such file or directory" in err
    tok.write_text(JWT)
    del env["AWS_ROLE_ARN"]
    rc, _, err = probe(env, "creds")
    assert rc == 1
    assert "web identity (AWS_WEB_IDENTITY_TOKEN_FILE from the environment) has no role: " \
           "set AWS_ROLE_ARN" in err
    # STS refuses: its code and message, never the token
    aws.proxy.faults.add(fault="error", status=400, service="sts",
                         action="AssumeRoleWithWebIdentity", code="InvalidIdentityToken",
                         message="Incorrect token audience")
    env["AWS_ROLE_ARN"] = ROLE_ARN
    rc, _, err = probe(env, "creds")
    assert rc == 1
    assert f"STS AssumeRoleWithWebIdentity {ROLE_ARN}: InvalidIdentityToken: " \
           "Incorrect token audience" in err
    assert JWT not in err


# --- the real CLI ------------------------------------------------------------------

def test_doctor_with_an_sso_profile(stack, aws, aaa_bin, home, portal):
    """aaa doctor signs with the portal's keys (the stack's own, so the proxy
    accepts them) and names the identity; an expired token names the fix."""
    from tests.integration.stack.stack import ACCESS_KEY, SECRET_KEY
    portal.keys = (ACCESS_KEY, SECRET_KEY)
    (home / ".aws" / "config").write_text(SSO_CONFIG)
    write_token(home, "acme")
    env = stack.aaa_env(home)
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(k)
    env.update({"AWS_PROFILE": "dev", "AWS_ENDPOINT_URL_SSO": portal.url})
    p = subprocess.run([aaa_bin, "doctor", "--json"], env=env, capture_output=True, text=True,
                       timeout=120)
    checks = {c["name"]: c for c in json.loads(p.stdout)["checks"]}
    assert checks["identity"]["status"] == "ok", p.stdout + p.stderr
    assert "123456789012" in checks["identity"]["detail"]
    assert len(portal.seen) == 1
    assert SSO_TOKEN not in p.stdout + p.stderr and SECRET_KEY not in p.stdout + p.stderr

    write_token(home, "acme", expires="2001-01-01T00:00:00Z")
    p = subprocess.run([aaa_bin, "doctor"], env=env, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 1
    lines = p.stdout.splitlines()
    i = next(i for i, line in enumerate(lines) if line.startswith("FAIL  identity"))
    assert "the SSO token expired at 2001-01-01T00:00:00Z: run aws sso login --profile dev" \
        in lines[i]
    assert lines[i + 1] == "      fix: sign in again: aws sso login --profile dev"


def test_doctor_with_web_identity(stack, aws, aaa_bin, home, tmp_path):
    tok = tmp_path / "token"
    tok.write_text(JWT)
    env = web_env(stack, home, tok)
    p = subprocess.run([aaa_bin, "doctor", "--json"], env=env, capture_output=True, text=True,
                       timeout=120)
    checks = {c["name"]: c for c in json.loads(p.stdout)["checks"]}
    assert checks["identity"]["status"] == "ok", p.stdout + p.stderr
    assert "assumed-role/aaa-ci/gha-run-42" in checks["identity"]["detail"]
    assert JWT not in p.stdout + p.stderr
