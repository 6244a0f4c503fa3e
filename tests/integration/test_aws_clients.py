"""The KMS, STS and Lambda clients (src/aws/kms.c, sts.c, lambda.c) and the
KMS-held ACME account key (src/aws/kms_signer.c) against the local stack,
through tests/tools/awsx_tool. Every result is checked by an independent
party: Debian's /usr/bin/aws, Python's `cryptography`, jwcrypto, pebble,
moto's own view, or the Lambda emulator's records.
"""

import base64
import json
import os
import subprocess
import sys
import textwrap
import time

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from jwcrypto import jwk, jws

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

import importlib  # noqa: E402

emulator = importlib.import_module("tests.integration.lambda.emulator")

BUILD = os.environ.get("AAA_BUILD", os.path.join(_REPO, "build"))
TOOL = os.path.join(BUILD, "tools", "awsx_tool")
ACCOUNT = "123456789012"


@pytest.fixture
def tool(stack, aaa_env):
    if not os.access(TOOL, os.X_OK):
        pytest.fail(f"{TOOL} is not built (make {TOOL}, or set AAA_BUILD)")
    base = dict(aaa_env)
    base["AAA_LOG_LEVEL"] = "warn"

    def run(*args, env=None, extra_env=None, timeout=60):
        e = dict(env if env is not None else base)
        e.update(extra_env or {})
        return subprocess.run([TOOL, *args], env=e, capture_output=True, text=True,
                              timeout=timeout)

    run.env = base
    return run


def _counts(aws, wait_for=None, timeout=3.0):
    """The proxy's by_action counts; it records a request just after answering
    it, so wait (briefly) until wait_for (an action) has been counted."""
    end = time.monotonic() + timeout
    while True:
        by = aws.proxy.stats()["by_action"]
        if wait_for is None or by.get(wait_for) or time.monotonic() > end:
            return by
        time.sleep(0.02)


def _ok(p):
    assert p.returncode == 0, p.stdout + p.stderr
    return json.loads(p.stdout)


def _fail(p):
    assert p.returncode == 1, p.stdout + p.stderr
    return json.loads(p.stdout)


# -- KMS Encrypt / Decrypt -------------------------------------------------------


def test_kms_round_trip_and_aws_cli_cross_check(tool, aws, aws_cli, aws_resources):
    key = aws_resources["kms_key_id"]
    ct = _ok(tool("kms-encrypt", key, "hunter2 s3cret"))["ciphertext"]
    # our ciphertext, decrypted by the real AWS CLI
    out = aws_cli.json("kms", "decrypt", "--ciphertext-blob", ct)
    assert base64.b64decode(out["Plaintext"]) == b"hunter2 s3cret"
    assert out["KeyId"].endswith(key)
    # our decrypt of our ciphertext, pinned to the key and by alias
    assert _ok(tool("kms-decrypt", ct, key))["plaintext"] == "hunter2 s3cret"
    assert _ok(tool("kms-decrypt", ct))["plaintext"] == "hunter2 s3cret"
    # the CLI's ciphertext, decrypted by us
    cli_ct = aws_cli.json("kms", "encrypt", "--key-id", aws_resources["kms_alias"],
                          "--plaintext", base64.b64encode(b"from the cli").decode())
    assert _ok(tool("kms-decrypt", cli_ct["CiphertextBlob"]))["plaintext"] == "from the cli"
    # every request was signed correctly and seen by the verifying proxy
    by = _counts(aws, "kms:Decrypt")
    assert by.get("kms:Encrypt", 0) >= 1
    assert by.get("kms:Decrypt", 0) >= 2
    assert not aws.proxy.stats().get("refusals")


def test_kms_errors_are_one_line(tool, aws, aws_resources):
    f = _fail(tool("kms-encrypt", "alias/does-not-exist", "x"))
    assert f["code"] == "NotFoundException"
    assert f["message"].startswith("KMS Encrypt alias/does-not-exist: NotFoundException")
    assert "\n" not in f["message"]
    aws.proxy.faults.add(fault="error", status=400, code="AccessDeniedException",
                         service="kms", action="Decrypt")
    ct = _ok(tool("kms-encrypt", aws_resources["kms_key_id"], "x"))["ciphertext"]
    f = _fail(tool("kms-decrypt", ct))
    assert f["code"] == "AccessDeniedException"
    assert f["status"] == 400


def test_kms_decrypt_with_the_wrong_key_is_refused(tool, aws, aws_resources):
    other = aws.create_kms_key()["key_id"]
    ct = _ok(tool("kms-encrypt", aws_resources["kms_key_id"], "x"))["ciphertext"]
    f = _fail(tool("kms-decrypt", ct, other))
    assert f["rc"] == 1 and f["code"], f


def test_plaintext_never_reaches_the_logs(tool, aws_resources):
    ct = _ok(tool("kms-encrypt", aws_resources["kms_key_id"], "very-secret-value"))["ciphertext"]
    p = tool("kms-decrypt", ct, extra_env={"AAA_LOG_LEVEL": "debug"})
    assert p.returncode == 0
    assert "very-secret-value" not in p.stderr
    assert base64.b64encode(b"very-secret-value").decode() not in p.stderr


# -- KMS Sign / GetPublicKey, the KMS account key ------------------------------


def _load_spki(b64):
    return serialization.load_der_public_key(base64.b64decode(b64))


@pytest.mark.parametrize("spec,alg,curve", [
    ("ECC_NIST_P256", "ECDSA_SHA_256", ec.SECP256R1),
    ("ECC_NIST_P384", "ECDSA_SHA_384", ec.SECP384R1),
])
def test_kms_sign_verified_by_cryptography(tool, aws, tmp_path, spec, alg, curve):
    key = aws.create_kms_key(spec=spec, usage="SIGN_VERIFY")["key_id"]
    pub = _ok(tool("kms-pubkey", key))
    assert pub["key_spec"] == spec
    pk = _load_spki(pub["public_key"])
    assert isinstance(pk.curve, curve)
    msg = tmp_path / "msg"
    msg.write_bytes(b"the ACME signing input.payload")
    sig = base64.b64decode(_ok(tool("kms-sign", key, alg, str(msg)))["signature"])
    h = hashes.SHA256() if alg.endswith("256") else hashes.SHA384()
    pk.verify(sig, msg.read_bytes(), ec.ECDSA(h))  # DER, as KMS returns it
    with pytest.raises(Exception):
        pk.verify(sig, b"another message", ec.ECDSA(h))


def test_kms_sign_rsa_verified_by_cryptography(tool, aws, tmp_path):
    key = aws.create_kms_key(spec="RSA_2048", usage="SIGN_VERIFY")["key_id"]
    pk = _load_spki(_ok(tool("kms-pubkey", key))["public_key"])
    msg = tmp_path / "msg"
    msg.write_bytes(b"x" * 300)
    sig = base64.b64decode(_ok(tool("kms-sign", key, "RSASSA_PKCS1_V1_5_SHA_256",
                                    str(msg)))["signature"])
    pk.verify(sig, msg.read_bytes(), padding.PKCS1v15(), hashes.SHA256())


@pytest.mark.parametrize("spec,alg", [("ECC_NIST_P256", "ES256"), ("ECC_NIST_P384", "ES384"),
                                      ("RSA_2048", "RS256")])
def test_kms_signer_jws_verified_by_jwcrypto(tool, aws, spec, alg):
    key = aws.create_kms_key(spec=spec, usage="SIGN_VERIFY")["key_id"]
    p = tool("kms-jws", key, "https://ca.test/acme/new-acct", "nonce-1",
             '{"termsOfServiceAgreed":true}')
    assert p.returncode == 0, p.stderr
    text = p.stdout.strip()
    header = json.loads(base64.urlsafe_b64decode(json.loads(text)["protected"] + "=="))
    assert header["alg"] == alg
    assert header["nonce"] == "nonce-1" and header["url"] == "https://ca.test/acme/new-acct"
    # the JWK in the header is KMS's public key (independently from GetPublicKey)
    spki = base64.b64decode(_ok(tool("kms-pubkey", key))["public_key"])
    expected = jwk.JWK.from_pem(serialization.load_der_public_key(spki).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    assert jwk.JWK(**header["jwk"]).thumbprint() == expected.thumbprint()
    token = jws.JWS()
    token.deserialize(text)
    token.verify(expected, alg=alg)
    assert json.loads(token.payload) == {"termsOfServiceAgreed": True}


def test_kms_signer_refuses_a_symmetric_key(tool, aws_resources):
    p = tool("kms-jws", aws_resources["kms_key_id"], "https://ca.test/x", "n", "{}")
    assert p.returncode == 1
    assert "cannot sign ACME requests" in p.stderr
    assert "ECC_NIST_P256" in p.stderr


def test_acme_account_with_a_kms_key_at_pebble(tool, aws, pebble):
    key = aws.create_kms_key(spec="ECC_NIST_P256", usage="SIGN_VERIFY")["key_id"]
    out = _ok(tool("acme-reg-kms", pebble.directory_url, key, "kms@example.test"))
    assert out["alg"] == "ES256"
    assert out["created"] is True
    assert out["account"].startswith("https://")
    # the same KMS key finds the same account (pebble matched the JWK)
    again = _ok(tool("acme-reg-kms", pebble.directory_url, key, "kms@example.test"))
    assert again["account"] == out["account"]
    assert again["created"] is False
    assert _counts(aws, "kms:Sign").get("kms:Sign", 0) >= 2


# -- STS -------------------------------------------------------------------------


def _create_role(aws, name):
    iam = aws.direct_client("iam")
    doc = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "sts:AssumeRole"}]})
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=doc)["Role"]["Arn"]


def test_sts_whoami(tool, aws):
    out = _ok(tool("sts-whoami"))
    assert out["account"] == ACCOUNT
    assert out["arn"].startswith("arn:aws:") and ACCOUNT in out["arn"]
    assert _counts(aws, "sts:GetCallerIdentity").get("sts:GetCallerIdentity") == 1


def test_sts_assume_role_then_caller_identity(tool, aws):
    arn = _create_role(aws, "aaa-dns")
    out = _ok(tool("sts-assume", arn, "aaa-test", "ext-1"))
    assert out["access_key_id"] and out["access_key_id"] != "AKIDTEST"
    assert out["session_token"] is True
    assert int(out["expiration"]) > 0
    # GetCallerIdentity signed with the assumed keys names the role
    assert out["arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/aaa-dns/aaa-test"
    assert _counts(aws, "sts:GetCallerIdentity").get("sts:AssumeRole") == 1


def test_sts_errors_are_one_line(tool, aws):
    aws.proxy.faults.add(fault="error", status=403, code="AccessDenied", service="sts",
                         action="AssumeRole")
    f = _fail(tool("sts-assume", f"arn:aws:iam::{ACCOUNT}:role/nope", "s"))
    assert f["code"] == "AccessDenied"
    assert f["message"].startswith(f"STS AssumeRole arn:aws:iam::{ACCOUNT}:role/nope: "
                                   "AccessDenied")
    e = dict(tool.env)
    e["AWS_SECRET_ACCESS_KEY"] = "wrong"
    f = _fail(tool("sts-whoami", env=e))
    assert f["status"] == 403
    assert "wrong" not in f["message"]


def test_role_arn_profile_resolved_through_sts(tool, aws, tmp_path):
    arn = _create_role(aws, "aaa-profile-role")
    home = tmp_path / "rolehome"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text(textwrap.dedent(f"""\
        [profile deploy]
        role_arn = {arn}
        source_profile = base
        role_session_name = aaa-from-profile
        region = us-east-1
        """))
    (home / ".aws" / "credentials").write_text(textwrap.dedent("""\
        [base]
        aws_access_key_id = AKIDTEST
        aws_secret_access_key = test-secret
        """))
    e = {k: v for k, v in tool.env.items()
         if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    e.update({"HOME": str(home), "AWS_PROFILE": "deploy"})
    out = _ok(tool("sts-whoami", env=e))
    assert out["arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/aaa-profile-role/aaa-from-profile"
    by = _counts(aws, "sts:GetCallerIdentity")
    assert by.get("sts:AssumeRole") == 1 and by.get("sts:GetCallerIdentity") == 1


# -- Lambda Invoke -----------------------------------------------------------------

_BOOTSTRAP = """\
#!/usr/bin/python3
# A tiny custom runtime: echoes the event; {"fail": true} is a function error.
import json, os, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
while True:
    r = urllib.request.urlopen(api + "next")
    rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
    event = json.loads(r.read() or b"null")
    if isinstance(event, dict) and event.get("fail"):
        body, what = {"errorType": "Boom", "errorMessage": "asked to fail"}, "error"
    else:
        body, what = {"echo": event, "fn": os.environ["AWS_LAMBDA_FUNCTION_NAME"]}, "response"
    urllib.request.urlopen(urllib.request.Request(
        api + rid + "/" + what, data=json.dumps(body).encode(), method="POST")).read()
"""


@pytest.fixture
def lambda_emu(tmp_path):
    root = tmp_path / "fn"
    root.mkdir()
    boot = root / "bootstrap"
    boot.write_text(_BOOTSTRAP)
    boot.chmod(0o755)
    with emulator.LambdaEmulator(async_retries=0, retry_delays=(0.05,)) as em:
        em.add_function("aaa-echo", str(boot), timeout=20)
        yield em


def _lambda_env(tool, em):
    e = dict(tool.env)
    e["AWS_ENDPOINT_URL_LAMBDA"] = em.url
    return e


def test_lambda_request_response_payload(tool, lambda_emu):
    out = _ok(tool("lambda-invoke", "aaa-echo", '{"action":"ls","n":1}',
                   env=_lambda_env(tool, lambda_emu)))
    assert out["status"] == 200
    assert out["function_error"] is None
    assert json.loads(out["response"]) == {"echo": {"action": "ls", "n": 1}, "fn": "aaa-echo"}
    req = lambda_emu.invoke_requests[-1]
    assert req["type"] == "RequestResponse"
    assert req["headers"].get("Authorization", "").startswith("AWS4-HMAC-SHA256 ")
    assert "/lambda/aws4_request" in req["headers"]["Authorization"]


def test_lambda_event_is_202_and_delivered(tool, lambda_emu):
    out = _ok(tool("lambda-invoke", "aaa-echo", '{"action":"resume","job":"j1"}', "event",
                   env=_lambda_env(tool, lambda_emu)))
    assert out["status"] == 202
    assert out["response"] is None
    lambda_emu.wait_idle(30)
    assert lambda_emu.invoke_requests[-1]["type"] == "Event"
    inv = [i for i in lambda_emu.invocations if i.kind == "async"]
    assert len(inv) == 1 and inv[0].ok
    assert inv[0].event() == {"action": "resume", "job": "j1"}


def test_lambda_function_error_is_surfaced(tool, lambda_emu):
    out = _ok(tool("lambda-invoke", "aaa-echo", '{"fail":true}',
                   env=_lambda_env(tool, lambda_emu)))
    assert out["function_error"] == "Unhandled"
    assert json.loads(out["response"])["errorType"] == "Boom"


def test_lambda_missing_function_is_one_line(tool, lambda_emu):
    f = _fail(tool("lambda-invoke", "no-such-fn", "{}", env=_lambda_env(tool, lambda_emu)))
    assert f["code"] == "ResourceNotFoundException"
    assert f["message"].startswith("Lambda Invoke no-such-fn: ResourceNotFoundException")
