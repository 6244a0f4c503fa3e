"""The AWS core end to end: the credentials chain with temp HOME dirs, a
container-credentials server and an IMDSv2 emulator on 127.0.0.1, and
signed requests judged by the stack's botocore-based verifying proxy.

Runs tests/tools/aws_probe (built with the unit tests' sources), which wires
the chain, the endpoint resolution and the signer to http/ the way the
service clients do. Nothing here trusts aaa's own signer: the proxy
recomputes every signature with botocore, and moto answers.
"""
import http.server
import json
import os
import subprocess
import threading
import uuid

import pytest

BUILD = os.environ.get("AAA_BUILD", "build")
PROBE = os.path.join(BUILD, "tools", "aws_probe")
KEEP = ("PATH", "LANG", "LC_ALL", "TZ", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")
EXPIRATION = "2099-01-01T00:00:00Z"
EXPIRATION_EPOCH = 4070908800


@pytest.fixture
def probe():
    if not os.access(PROBE, os.X_OK):
        pytest.fail(f"{PROBE} is not built (make {PROBE})")

    def run(env, *args):
        p = subprocess.run([PROBE, *args], env=env, capture_output=True, text=True, timeout=60)
        out = json.loads(p.stdout) if p.stdout.strip() else None
        return p.returncode, out, p.stderr

    return run


@pytest.fixture
def home(tmp_path):
    h = tmp_path / "home"
    (h / ".aws").mkdir(parents=True)
    return h


def clean_env(home, **extra):
    """No AWS settings from the developer's environment; IMDS off unless asked."""
    env = {k: v for k, v in os.environ.items() if k in KEEP}
    env.update({"HOME": str(home), "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_REGION": "us-east-1"})
    env.update(extra)
    return env


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def serve(handler_cls):
    srv = _Server(("127.0.0.1", 0), handler_cls)
    srv.seen = []
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def creds_body(akid):
    return json.dumps({"AccessKeyId": akid, "SecretAccessKey": "remote-secret",
                       "Token": "remote-token", "Expiration": EXPIRATION}).encode()


class ContainerHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        self.server.seen.append((self.command, self.path, self.headers.get("Authorization")))
        if self.path == "/creds" and self.headers.get("Authorization") == "file-token":
            body, status = creds_body("ASIACONTAINER"), 200
        else:
            body, status = b'{"message":"denied"}', 403
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class ImdsHandler(http.server.BaseHTTPRequestHandler):
    """IMDSv2: a token from PUT, then the token on every GET."""

    def log_message(self, *a):
        pass

    def _reply(self, status, body):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self):
        self.server.seen.append(("PUT", self.path,
                                 self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")))
        if self.path == "/latest/api/token":
            self._reply(200, b"imds-session-token")
        else:
            self._reply(404, b"")

    def do_GET(self):
        tok = self.headers.get("X-aws-ec2-metadata-token")
        self.server.seen.append(("GET", self.path, tok))
        if tok != "imds-session-token":
            return self._reply(401, b"")
        base = "/latest/meta-data/iam/security-credentials/"
        if self.path == base:
            return self._reply(200, b"aaa-instance-role")
        if self.path == base + "aaa-instance-role":
            return self._reply(200, creds_body("ASIAIMDS"))
        return self._reply(404, b"")


# --- the chain, no AWS needed -------------------------------------------------

def test_environment(probe, home):
    rc, out, _ = probe(clean_env(home, AWS_ACCESS_KEY_ID="AKIDENV",
                                 AWS_SECRET_ACCESS_KEY="s", AWS_SESSION_TOKEN="t"), "creds")
    assert rc == 0
    assert out == {"source": "environment", "access_key_id": "AKIDENV",
                   "session_token": True, "expiration": 0}


def test_shared_files(probe, home):
    (home / ".aws" / "credentials").write_text(
        "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s\n")
    (home / ".aws" / "config").write_text(
        "[default]\nregion = eu-west-1\n"
        "[profile dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = s\n"
        "region = ap-south-1\n")
    env = clean_env(home)
    del env["AWS_REGION"]
    rc, out, _ = probe(env, "creds")
    assert rc == 0 and out["access_key_id"] == "AKIDDEFAULT"
    assert out["source"] == f"profile default ({home}/.aws/credentials)"
    assert probe(env, "region")[1] == {"region": "eu-west-1"}
    env["AWS_PROFILE"] = "dev"
    rc, out, _ = probe(env, "creds")
    assert rc == 0 and out["access_key_id"] == "AKIDDEV"
    assert out["source"] == f"profile dev ({home}/.aws/config)"
    assert probe(env, "region")[1] == {"region": "ap-south-1"}
    # the environment beats the files
    env.update(AWS_ACCESS_KEY_ID="AKIDENV", AWS_SECRET_ACCESS_KEY="s", AWS_REGION="us-west-2")
    assert probe(env, "creds")[1]["access_key_id"] == "AKIDENV"
    assert probe(env, "region")[1] == {"region": "us-west-2"}


def test_missing_profile_and_no_credentials(probe, home):
    rc, out, err = probe(clean_env(home, AWS_PROFILE="nosuch"), "creds")
    assert rc == 1 and out is None
    assert "AWS profile nosuch not found" in err
    rc, out, err = probe(clean_env(home), "creds")
    assert rc == 1 and out is None
    assert "no AWS credentials found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY" in err


def test_bad_region_refused(probe, home):
    rc, _, err = probe(clean_env(home, AWS_REGION="us-east-1; rm -rf /"), "region")
    assert rc == 1
    assert "invalid AWS region in AWS_REGION" in err
    assert "rm -rf" not in err


def test_container_credentials(probe, home, tmp_path):
    srv = serve(ContainerHandler)
    try:
        tokfile = tmp_path / "token"
        tokfile.write_text("file-token\n")
        env = clean_env(home,
                        AWS_CONTAINER_CREDENTIALS_FULL_URI=f"http://127.0.0.1:{srv.server_port}/creds",
                        AWS_CONTAINER_AUTHORIZATION_TOKEN="env-token",
                        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(tokfile))
        rc, out, err = probe(env, "creds")
        assert rc == 0, err
        assert out == {"source": "container credentials", "access_key_id": "ASIACONTAINER",
                       "session_token": True, "expiration": EXPIRATION_EPOCH}
        assert srv.seen == [("GET", "/creds", "file-token")]
        # configured but refused: an error, not a fall-through
        del env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"]
        rc, out, err = probe(env, "creds")
        assert rc == 1 and "HTTP 403" in err
        assert "remote-secret" not in err and "env-token" not in err
    finally:
        srv.shutdown()


def test_imds_v2(probe, home):
    srv = serve(ImdsHandler)
    try:
        env = clean_env(home, AWS_EC2_METADATA_SERVICE_ENDPOINT=f"http://127.0.0.1:{srv.server_port}")
        del env["AWS_EC2_METADATA_DISABLED"]
        rc, out, err = probe(env, "creds")
        assert rc == 0, err
        assert out == {"source": "instance metadata (role aaa-instance-role)",
                       "access_key_id": "ASIAIMDS", "session_token": True,
                       "expiration": EXPIRATION_EPOCH}
        assert srv.seen == [
            ("PUT", "/latest/api/token", "21600"),
            ("GET", "/latest/meta-data/iam/security-credentials/", "imds-session-token"),
            ("GET", "/latest/meta-data/iam/security-credentials/aaa-instance-role",
             "imds-session-token"),
        ]
        # disabled: not even asked
        srv.seen.clear()
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        assert probe(env, "creds")[0] == 1
        assert srv.seen == []
    finally:
        srv.shutdown()


# --- signed requests, judged by botocore in the verifying proxy ------------------

def stack_env(stack, home, **extra):
    env = stack.aaa_env(home)
    env.update(extra)
    return env


def test_signed_request_accepted_and_wrong_secret_refused(probe, stack, home):
    env = stack_env(stack, home)
    body = "Action=GetCallerIdentity&Version=2011-06-15"
    args = ("call", "STS", "GetCallerIdentity", "POST", "/", "--body", body, "--header",
            "Content-Type: application/x-www-form-urlencoded; charset=utf-8")
    rc, out, err = probe(env, *args)
    assert rc == 0, err
    assert out["status"] == 200 and "<Arn>" in out["body"]
    env["AWS_SECRET_ACCESS_KEY"] = "wrong-secret"
    rc, out, _ = probe(env, *args)
    assert rc == 1
    assert out["status"] == 403 and out["code"] == "SignatureDoesNotMatch"
    assert out["line"].startswith("STS GetCallerIdentity: SignatureDoesNotMatch: ")
    assert out["line"].endswith(", HTTP 403)")


def test_session_token_signed(probe, stack, home):
    """A role profile: AssumeRole signed with the source profile's keys, then a call
    signed with the assumed keys and their (signed) session token."""
    env = stack_env(stack, home)
    ak, sk = env.pop("AWS_ACCESS_KEY_ID"), env.pop("AWS_SECRET_ACCESS_KEY")
    (home / ".aws" / "credentials").write_text(
        f"[base]\naws_access_key_id = {ak}\naws_secret_access_key = {sk}\n")
    (home / ".aws" / "config").write_text(
        "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/aaa-app\n"
        "source_profile = base\nexternal_id = ext-1\n")
    env["AWS_PROFILE"] = "app"
    rc, out, err = probe(env, "creds")
    assert rc == 0, err
    assert out["source"] == "role arn:aws:iam::123456789012:role/aaa-app (profile app)"
    assert out["session_token"] and out["access_key_id"] != ak
    rc, out, err = probe(env, "call", "STS", "GetCallerIdentity", "POST", "/", "--body",
                         "Action=GetCallerIdentity&Version=2011-06-15", "--header",
                         "Content-Type: application/x-www-form-urlencoded; charset=utf-8")
    assert rc == 0, err
    assert "assumed-role/aaa-app" in out["body"]


def test_s3_single_encoding_and_global_route53(probe, stack, aws, home):
    """An S3 key needing encoding goes up signed (payload hash header) and botocore reads
    it back under the same key; Route53 signs for us-east-1 from another region."""
    bucket = aws.create_bucket()
    key = f"aaa-data/v1/certs/ü x+y=z (1)/{uuid.uuid4().hex}.pem"
    env = stack_env(stack, home, AWS_REGION="eu-west-1")
    rc, out, err = probe(env, "call", "S3", "PutObject", "PUT", "/", "--bucket", bucket,
                         "--key", key, "--body", "hello", "--header", "Content-Type: text/plain")
    assert rc == 0, err
    got = aws.direct_client("s3").get_object(Bucket=bucket, Key=key)
    assert got["Body"].read() == b"hello"
    rc, out, err = probe(env, "call", "S3", "GetObject", "GET", "/", "--bucket", bucket,
                         "--key", key, "--unsigned-payload")
    assert rc == 0 and out["body"] == "hello", err
    rc, out, _ = probe(env, "call", "S3", "GetObject", "GET", "/", "--bucket", bucket,
                       "--key", key + ".missing")
    assert rc == 1 and out["status"] == 404 and out["code"] == "NoSuchKey"
    assert out["line"].startswith(f"S3 GetObject {key}.missing: NoSuchKey: ")
    rc, out, err = probe(env, "call", "Route53", "ListHostedZones", "GET",
                         "/2013-04-01/hostedzone", "--query", "maxitems=1")
    assert rc == 0, err
    assert "ListHostedZonesResponse" in out["body"]
