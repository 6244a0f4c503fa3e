"""Setup without a local build: the executor's `reg` and
`doctor` actions through `aws lambda invoke`, in the Lambda emulator with the
real bootstrap and binary, against pebble and the emulated S3/KMS/Route53
behind the verifying proxy. The store is the S3 bucket under SSE-KMS, as a
deployed stack has it, and the EAB HMAC key arrives as KMS ciphertext made
with the stack's key.

Bad input: reg without agree answers the terms URL and stores nothing; a
wrong EAB, an undecryptable ciphertext (another context, garbage) answer
what to fix and store nothing; doctor with each permission taken away in
turn names it.
"""
import base64
import importlib
import json
import os
import ssl
import sys
import urllib.request

import pytest

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

emulator = importlib.import_module("tests.integration.lambda.emulator")
from tests.integration.stack import make_eab_key  # noqa: E402

CONTEXT = {"aaa": "eab-hmac"}


@pytest.fixture
def env(stack, tmp_path, task_root, aws_resources):
    """The executor's environment as the template sets it: the bucket and the
    stack's key, no account yet."""
    e = stack.aaa_env(tmp_path / "fn-home")
    e.pop("HOME", None)
    e.pop("AAA_STORE", None)
    e["AAA_S3_BUCKET"] = aws_resources["bucket"]
    e["AAA_S3_KMS_KEY"] = aws_resources["kms_key_arn"]
    e["AAA_EMAIL"] = "ops@example.test"
    return e


def _invoke(tmp_path, env, payload):
    """aws lambda invoke (Debian's AWS CLI) of the executor: (metadata, answer)."""
    with emulator.LambdaEmulator(retry_delays=()) as emu:
        emu.add_function("executor", str(tmp_path / "task" / "bootstrap"), env=env,
                         timeout=120, handler="executor")
        meta, body = emulator.aws_cli_invoke(emu.url, tmp_path, "executor",
                                             json.dumps(payload))
        logs = "\n".join(line for _, _, line in emu.functions["executor"].logs)
    return meta, json.loads(body), logs


def _objects(aws, bucket):
    r = aws.client("s3").list_objects_v2(Bucket=bucket, Prefix="aaa-data/")
    return sorted(o["Key"] for o in r.get("Contents", []))


def _ciphertext(aws, key_arn, plaintext, context=CONTEXT):
    kw = {"EncryptionContext": context} if context else {}
    blob = aws.direct_client("kms").encrypt(KeyId=key_arn, Plaintext=plaintext.encode(),
                                            **kw)["CiphertextBlob"]
    return base64.b64encode(blob).decode()


def test_reg_without_agree_answers_the_terms_and_registers_nothing(tmp_path, env, aws,
                                                                   aws_resources, pebble):
    pebble.reset_stats()
    meta, out, _ = _invoke(tmp_path, env, {"action": "reg"})
    assert "FunctionError" not in meta, out
    assert out["state"] == "terms_not_agreed", out
    ctx = ssl.create_default_context(cafile=pebble.ca_bundle)
    with urllib.request.urlopen(pebble.directory_url, context=ctx) as r:
        terms = json.load(r)["meta"]["termsOfService"]
    assert out["terms_url"] == terms, out
    assert '"agree":true' in out["message"]
    assert pebble.count("newAccount") == 0
    assert _objects(aws, aws_resources["bucket"]) == []


def test_reg_registers_once_and_the_store_is_ready(tmp_path, env, aws, aws_resources, pebble):
    meta, out, _ = _invoke(tmp_path, env, {"action": "reg", "agree": True,
                                           "account_key": "ec384"})
    assert "FunctionError" not in meta, out
    assert out["state"] == "done" and out["account"]["created"] is True, out
    assert out["account"]["email"] == "ops@example.test"
    assert out["account"]["url"].startswith("https://")
    keys = _objects(aws, aws_resources["bucket"])
    assert "aaa-data/v1/index.json" in keys, keys
    assert any(k.endswith("/account.json") for k in keys) and any(
        k.endswith("/key.pem") for k in keys), keys
    head = aws.client("s3").head_object(Bucket=aws_resources["bucket"],
                                        Key=[k for k in keys if k.endswith("/key.pem")][0])
    assert head["ServerSideEncryption"] == "aws:kms"
    # Again: the same account, found, nothing new.
    _, again, _ = _invoke(tmp_path, env, {"action": "reg", "email": "ops2@example.test"})
    assert again["state"] == "done" and again["account"]["created"] is False, again
    assert again["account"]["url"] == out["account"]["url"]
    assert again["account"]["email"] == "ops2@example.test"


def test_reg_with_eab_from_kms_ciphertext(tmp_path, env, aws, aws_resources, pebble_factory,
                                          stack):
    kid, hmac = "kid-9", make_eab_key()
    p = pebble_factory(eab_keys={kid: hmac}, eab_required=True)
    e = dict(env, AAA_DIRECTORY=p.directory_url)
    ct = _ciphertext(aws, aws_resources["kms_key_arn"], hmac + "\n")
    meta, out, logs = _invoke(tmp_path, e, {"action": "reg", "agree": True,
                                            "eab": {"kid": kid, "hmac_ciphertext": ct}})
    assert "FunctionError" not in meta, out
    assert out["state"] == "done" and out["account"]["created"] is True, out
    assert out["account"]["eab"] is True
    assert hmac not in logs and hmac not in json.dumps(out)
    # The decryption was made with the stack's key and the EAB context.
    assert aws.proxy.stats()["by_action"].get("kms:Decrypt", 0) >= 1


def test_wrong_eab_names_the_fix_and_stores_nothing(tmp_path, env, aws, aws_resources,
                                                    pebble_factory):
    kid, hmac = "kid-3", make_eab_key()
    p = pebble_factory(eab_keys={kid: hmac}, eab_required=True)
    e = dict(env, AAA_DIRECTORY=p.directory_url)
    wrong = _ciphertext(aws, aws_resources["kms_key_arn"], make_eab_key())
    meta, out, logs = _invoke(tmp_path, e, {"action": "reg", "agree": True,
                                            "eab": {"kid": kid, "hmac_ciphertext": wrong}})
    assert "FunctionError" not in meta, out
    assert out["state"] == "failed" and out["error"]["source"] == "acme", out
    assert out["error"]["code"].startswith("urn:ietf:params:acme:error:"), out
    assert "eab.kid" in out["fix"] and "hmac_ciphertext" in out["fix"]
    assert _objects(aws, aws_resources["bucket"]) == []
    # Without EAB at all: the CA's requirement, named.
    _, none, _ = _invoke(tmp_path, e, {"action": "reg", "agree": True})
    assert none["state"] == "failed" and "External Account Binding" in none["error"]["message"]
    assert _objects(aws, aws_resources["bucket"]) == []


@pytest.mark.parametrize("how", ["no-context", "other-context", "garbage", "other-key"])
def test_undecryptable_hmac_ciphertext_names_the_fix(tmp_path, env, aws, aws_resources,
                                                     pebble_factory, how):
    kid, hmac = "kid-5", make_eab_key()
    p = pebble_factory(eab_keys={kid: hmac}, eab_required=True)
    e = dict(env, AAA_DIRECTORY=p.directory_url)
    key = aws_resources["kms_key_arn"]
    if how == "no-context":
        ct = _ciphertext(aws, key, hmac, context=None)
    elif how == "other-context":
        ct = _ciphertext(aws, key, hmac, context={"aaa": "slack"})
    elif how == "other-key":
        other = aws.create_kms_key(alias="aaa-test-other-" + os.urandom(4).hex())
        ct = _ciphertext(aws, other["arn"], hmac)
    else:
        ct = base64.b64encode(b"not a kms ciphertext at all").decode()
    pebble_before = p.count("newAccount")
    meta, out, logs = _invoke(tmp_path, e, {"action": "reg", "agree": True,
                                            "eab": {"kid": kid, "hmac_ciphertext": ct}})
    assert "FunctionError" not in meta, out
    assert out["state"] == "failed" and out["error"]["source"] == "aws", out
    msg = out["error"]["message"]
    assert "--encryption-context aaa=eab-hmac" in msg and key in msg, msg
    assert "nothing was registered" in msg
    assert p.count("newAccount") == pebble_before
    assert _objects(aws, aws_resources["bucket"]) == []
    assert hmac not in logs


def test_reg_refuses_a_half_eab(tmp_path, env):
    meta, out, _ = _invoke(tmp_path, env, {"action": "reg", "agree": True,
                                           "eab": {"kid": "k"}})
    assert meta.get("FunctionError") == "Unhandled"
    assert out["errorType"] == "InvalidRequest" and "hmac_ciphertext" in out["errorMessage"]


# ---------------------------------------------------------------- doctor

def _checks(out):
    return {c["name"]: c for c in out["checks"]}


def test_doctor_with_the_functions_role(tmp_path, env, aws_resources):
    zone = aws_resources["zone"]
    meta, out, _ = _invoke(tmp_path, env, {"action": "doctor", "domains": [f"www.{zone}"]})
    assert "FunctionError" not in meta, out
    c = _checks(out)
    assert out["state"] == "done" and out["ok"] is True, out
    for name in ("region", "identity", "bucket", "s3-put", "s3-sse", "s3-get", "s3-delete",
                 f"zone:www.{zone}"):
        assert c[name]["status"] == "ok", c[name]
        assert c[name]["fix"] is None
    # The role uses the key through S3 only: no direct Encrypt is asked for.
    assert c["kms"]["status"] == "skip" and "through S3" in c["kms"]["detail"]
    assert zone in c[f"zone:www.{zone}"]["detail"]


@pytest.mark.parametrize("service,action,status,code,check,fix", [
    ("s3", "ListObjectsV2", 403, "AccessDenied", "bucket", "allow s3:ListBucket on arn:aws:s3:::{b}"),
    ("s3", "PutObject", 403, "AccessDenied", "s3-put",
     "allow s3:PutObject on arn:aws:s3:::{b}/aaa-data/*"),
    ("s3", "GetObject", 403, "AccessDenied", "s3-get",
     "allow s3:GetObject on arn:aws:s3:::{b}/aaa-data/*"),
    ("s3", "DeleteObject", 403, "AccessDenied", "s3-delete",
     "allow s3:DeleteObject on arn:aws:s3:::{b}/aaa-data/*"),
    ("route53", "ListHostedZones", 403, "AccessDenied", "zone:www.{z}",
     "allow route53:ListHostedZones and route53:ListResourceRecordSets"),
])
def test_doctor_names_each_missing_permission(tmp_path, env, aws, aws_resources, service,
                                              action, status, code, check, fix):
    b, z = aws_resources["bucket"], aws_resources["zone"]
    aws.proxy.faults.add(fault="error", status=status, code=code,
                         message=f"not authorized to perform: {action}", service=service,
                         action=action, count=None)
    meta, out, _ = _invoke(tmp_path, env, {"action": "doctor", "domains": [f"www.{z}"]})
    assert "FunctionError" not in meta, out
    c = _checks(out)[check.format(z=z)]
    assert out["state"] == "failed" and out["ok"] is False
    assert c["status"] == "fail" and code in c["detail"], c
    assert c["fix"].startswith(fix.format(b=b)), c


@pytest.mark.parametrize("action,check,perm,fix", [
    ("PutObject", "s3-put", "kms:GenerateDataKey",
     "allow kms:GenerateDataKey on {k} (SSE-KMS writes need it)"),
    ("GetObject", "s3-get", "kms:Decrypt", "allow kms:Decrypt on {k}"),
])
def test_doctor_names_the_key_permission_s3_needs(tmp_path, env, aws, aws_resources, action,
                                                  check, perm, fix):
    """S3 refuses for the key (the role lacks the via-S3 KMS grant): the fix
    names the KMS permission, not the S3 one."""
    k = env["AAA_S3_KMS_KEY"]
    aws.proxy.faults.add(fault="error", status=403, code="AccessDenied",
                         message=f"User is not authorized to perform: {perm}", service="s3",
                         action=action, count=None)
    _, out, _ = _invoke(tmp_path, env, {"action": "doctor"})
    c = _checks(out)[check]
    assert c["status"] == "fail" and c["fix"].startswith(fix.format(k=k)), c


def test_doctor_reports_a_missing_store_setting(tmp_path, env):
    e = dict(env)
    e.pop("AAA_S3_BUCKET")
    meta, out, _ = _invoke(tmp_path, e, {"action": "doctor"})
    assert "FunctionError" not in meta, out
    c = _checks(out)["bucket"]
    assert c["status"] == "fail" and "AAA_S3_BUCKET" in c["fix"], c
