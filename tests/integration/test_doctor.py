"""`aaa doctor` against the local stack: passes with a bucket and a KMS key,
and for each thing a user gets wrong fails with exit 1 and one line naming
the fix. Independent checks: moto's own view of the bucket (the test object
is gone), the verifying proxy's record of what was sent (SSE-KMS headers,
the key under aaa-data/).
"""

import json
import os
import subprocess

import pytest


def _json(p):
    assert p.stdout.strip(), p.stderr
    return json.loads(p.stdout)


def _checks(p):
    return {c["name"]: c for c in _json(p)["checks"]}


def _doctor(aaa, *args, **kw):
    return aaa("doctor", *args, **kw)


def _requests(aws, action):
    return [r for r in aws.proxy.stats()["requests"] if r.get("action") == action]


def test_doctor_passes_with_bucket_and_key(aaa, aws, aws_resources):
    b, k = aws_resources["bucket"], aws_resources["kms_key_id"]
    z = aws_resources["zone"]
    p = _doctor(aaa, "--s3-bucket", b, "--s3-kms-key", k, "--domain", "www." + z,
                "--domain", "*." + z, "--json")
    assert p.returncode == 0, p.stdout + p.stderr
    doc = _json(p)
    assert doc["ok"] is True
    c = {x["name"]: x for x in doc["checks"]}
    for name in ("region", "identity", "bucket", "s3-put", "s3-sse", "s3-get", "s3-delete",
                 "kms"):
        assert c[name]["status"] == "ok", c[name]
        assert c[name]["fix"] is None
    assert "123456789012" in c["identity"]["detail"]
    assert c["region"]["detail"] == "us-east-1"
    assert k in c["s3-sse"]["detail"]
    for name in ("www." + z, "*." + z):
        assert c["zone:" + name]["status"] == "ok"
        assert c["zone:" + name]["detail"] == f"{z} ({aws_resources['zone_id']})"
    # the test object was written under aaa-data/ and is gone (moto's own view)
    listed = aws.direct_client("s3").list_objects_v2(Bucket=b)
    assert listed.get("KeyCount", 0) == 0
    puts = _requests(aws, "PutObject")
    assert len(puts) == 1 and "/aaa-data/v1/doctor/test-" in puts[0]["path"]


def test_doctor_text_output_and_store_prefix(aaa, aws, aws_resources):
    b, k = aws_resources["bucket"], aws_resources["kms_alias"]
    p = _doctor(aaa, "--store", f"s3://{b}/staging", "--s3-kms-key", k)
    assert p.returncode == 0, p.stdout + p.stderr
    lines = p.stdout.splitlines()
    assert lines[-1] == "aaa doctor: all checks passed"
    assert any(line.startswith("ok    s3-put ") for line in lines)
    assert "FAIL" not in p.stdout
    puts = _requests(aws, "PutObject")
    assert "/aaa-data/staging/v1/doctor/" in puts[0]["path"]


def _fail_line(p, name):
    """The FAIL line of check `name` and the fix line under it."""
    assert p.returncode == 1, p.stdout + p.stderr
    lines = p.stdout.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("FAIL") and line.split()[1] == name:
            fix = lines[i + 1] if i + 1 < len(lines) else ""
            assert fix.startswith("      fix: "), lines
            return line, fix[len("      fix: "):]
    raise AssertionError(f"no FAIL line for {name}: {p.stdout}")


def test_missing_credentials(aaa, aaa_env, aws_resources):
    env = {k: v for k, v in aaa_env.items()
           if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    p = _doctor(aaa, "--s3-bucket", aws_resources["bucket"], "--s3-kms-key",
                aws_resources["kms_key_id"], env=env)
    line, fix = _fail_line(p, "identity")
    assert "no AWS credentials found" in line
    assert fix.startswith("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    # the other AWS checks are skipped rather than repeating the same error
    assert "skip  bucket" in p.stdout and "skip  kms" in p.stdout
    assert p.stdout.count("FAIL") == 1


def test_wrong_secret_is_named_without_the_secret(aaa, aws_resources):
    p = _doctor(aaa, "--s3-bucket", aws_resources["bucket"],
                extra_env={"AWS_SECRET_ACCESS_KEY": "not-the-secret-xyz"})
    line, fix = _fail_line(p, "identity")
    assert "SignatureDoesNotMatch" in line
    assert "secret is wrong" in fix
    assert "not-the-secret-xyz" not in p.stdout + p.stderr


def test_unknown_region(aaa, aws_resources):
    p = _doctor(aaa, "--s3-bucket", aws_resources["bucket"],
                extra_env={"AWS_REGION": "mars-east-1", "AWS_DEFAULT_REGION": "mars-east-1"})
    line, fix = _fail_line(p, "region")
    assert "mars-east-1 is not a known AWS region" in line
    assert "AWS_REGION" in fix


def test_bucket_that_does_not_exist(aaa, aws_resources):
    p = _doctor(aaa, "--s3-bucket", "aaa-no-such-bucket-1", "--s3-kms-key",
                aws_resources["kms_key_id"])
    line, fix = _fail_line(p, "bucket")
    assert "NoSuchBucket" in line
    assert fix.startswith("create bucket aaa-no-such-bucket-1")
    assert "skip  s3-put" in p.stdout
    assert "ok    kms" in p.stdout


def test_no_store_configured(aaa):
    p = _doctor(aaa)
    line, fix = _fail_line(p, "bucket")
    assert "no store configured" in line
    assert "--s3-bucket" in fix


def test_kms_key_that_does_not_exist(aaa, aws_resources):
    p = _doctor(aaa, "--s3-bucket", aws_resources["bucket"], "--s3-kms-key",
                "alias/aaa-no-such-key", "--json")
    assert p.returncode == 1
    c = _checks(p)
    assert c["kms"]["status"] == "fail"
    assert "NotFoundException" in c["kms"]["detail"]
    assert c["kms"]["fix"].startswith("KMS key alias/aaa-no-such-key does not exist")


def test_kms_access_denied(aaa, aws, aws_resources):
    k = aws_resources["kms_key_id"]
    aws.proxy.faults.add(fault="error", status=400, code="AccessDeniedException",
                         message="not authorized to perform: kms:Encrypt", service="kms",
                         action="Encrypt", count=None)
    p = _doctor(aaa, "--s3-bucket", aws_resources["bucket"], "--s3-kms-key", k)
    line, fix = _fail_line(p, "kms")
    assert "AccessDeniedException" in line
    assert fix == f"allow kms:Encrypt, kms:Decrypt and kms:GenerateDataKey on {k}"
    assert "ok    s3-put" in p.stdout


@pytest.mark.parametrize("action,check,fix", [
    ("PutObject", "s3-put", "allow s3:PutObject on arn:aws:s3:::{b}/aaa-data/*"),
    ("GetObject", "s3-get", "allow s3:GetObject on arn:aws:s3:::{b}/aaa-data/*"),
    ("DeleteObject", "s3-delete", "allow s3:DeleteObject on arn:aws:s3:::{b}/aaa-data/*"),
    ("ListObjectsV2", "bucket", "allow s3:ListBucket on arn:aws:s3:::{b}"),
])
def test_s3_permission_names_the_fix(aaa, aws, aws_resources, action, check, fix):
    b = aws_resources["bucket"]
    aws.proxy.faults.add(fault="error", status=403, code="AccessDenied",
                         message="Access Denied", service="s3", action=action, count=None)
    p = _doctor(aaa, "--s3-bucket", b, "--s3-kms-key", aws_resources["kms_key_id"])
    line, got = _fail_line(p, check)
    assert "AccessDenied" in line
    assert got == fix.format(b=b)


def test_put_denied_by_kms_names_generate_data_key(aaa, aws, aws_resources):
    b, k = aws_resources["bucket"], aws_resources["kms_key_id"]
    aws.proxy.faults.add(fault="error", status=403, code="AccessDenied",
                         message="User is not authorized to perform: kms:GenerateDataKey",
                         service="s3", action="PutObject", count=None)
    p = _doctor(aaa, "--s3-bucket", b, "--s3-kms-key", k)
    _, fix = _fail_line(p, "s3-put")
    assert fix == f"allow kms:GenerateDataKey on {k} (SSE-KMS writes need it)"


def test_file_store(aaa, tmp_path, aws_resources):
    d = tmp_path / "state"
    p = _doctor(aaa, "--store", f"file://{d}", "--s3-kms-key", aws_resources["kms_key_id"])
    assert p.returncode == 0, p.stdout + p.stderr
    assert "ok    store" in p.stdout


def test_zone_that_does_not_exist(aaa, aws_resources):
    p = _doctor(aaa, "--s3-bucket", aws_resources["bucket"], "--domain",
                "www." + aws_resources["zone"], "--domain", "www.aaa-no-zone.example")
    line, fix = _fail_line(p, "zone:www.aaa-no-zone.example")
    assert "no Route53 hosted zone holds _acme-challenge.www.aaa-no-zone.example" in line
    assert fix == "create a Route53 hosted zone for www.aaa-no-zone.example or a parent domain"
    assert f"ok    zone:www.{aws_resources['zone']}" in p.stdout
    assert p.stdout.count("FAIL") == 1


def test_zone_listing_denied(aaa, aws, aws_resources):
    aws.proxy.faults.add(fault="error", status=403, code="AccessDenied",
                         message="not authorized to perform: route53:ListHostedZones",
                         service="route53", action="ListHostedZones", count=None)
    p = _doctor(aaa, "--s3-bucket", aws_resources["bucket"], "--domain",
                "www." + aws_resources["zone"])
    line, fix = _fail_line(p, "zone:www." + aws_resources["zone"])
    assert "AccessDenied" in line
    assert fix.startswith("allow route53:ListHostedZones")


def test_zone_role_not_assumable(aaa, aws, aws_resources):
    """STS refuses the zone role with the same AccessDenied a Route53 listing gives:
    the fix is the role's trust, because the lookup says which call failed, not
    because of the words."""
    aws.proxy.faults.add(fault="error", status=403, code="AccessDenied",
                         message="User is not authorized to perform: sts:AssumeRole",
                         service="sts", action="AssumeRole", count=None)
    zone = aws_resources["zone"]
    role = "arn:aws:iam::123456789012:role/dns-zone-writer"
    p = _doctor(aaa, "--s3-bucket", aws_resources["bucket"], "--domain", "www." + zone,
                "--zone-role", f"{zone}={role}")
    line, fix = _fail_line(p, "zone:www." + zone)
    assert "cannot assume zone role" in line and "AccessDenied" in line
    assert fix.startswith("allow sts:AssumeRole on the --zone-role role"), fix
