"""The S3 client and the s3:// store backend against moto, through the
verifying proxy (every request's SigV4 signature is recomputed with botocore
and a mismatch refused), cross-checked with Debian's real /usr/bin/aws.

Runs tests/tools/aws_tool (the store and the S3 client as aaa links them).
"""
import json
import os
import subprocess
import time
import uuid

import pytest

BUILD = os.environ.get("AAA_BUILD", "build")
TOOL = os.path.join(BUILD, "tools", "aws_tool")
KEEP = ("PATH", "LANG", "LC_ALL", "TZ", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")


@pytest.fixture
def tool(aws, aws_resources, tmp_path):
    if not os.access(TOOL, os.X_OK):
        pytest.fail(f"{TOOL} is not built (make {TOOL})")
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    base = {k: v for k, v in os.environ.items() if k in KEEP}
    base.update(aws.env())
    base.update({"HOME": str(home), "AWS_EC2_METADATA_DISABLED": "true",
                 "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                 "AAA_S3_KMS_KEY": aws_resources["kms_key_id"]})

    def run(*args, extra_env=None, timeout=120):
        env = dict(base)
        env.update(extra_env or {})
        p = subprocess.run([TOOL, *args], env=env, capture_output=True, text=True,
                           timeout=timeout)
        out = json.loads(p.stdout) if p.stdout.strip() else None
        return p.returncode, out, p.stderr

    return run


def settled(aws, quiet=0.3, limit=3.0):
    """The proxy's stats once no request has been recorded for `quiet` seconds
    (it records a request after answering it, so a just-exited client's last
    request may not be counted yet)."""
    t_end = time.monotonic() + limit
    last = aws.proxy.stats()
    while time.monotonic() < t_end:
        time.sleep(quiet)
        cur = aws.proxy.stats()
        if cur["total"] == last["total"]:
            return cur
        last = cur
    return last


def url(res):
    return f"s3://{res['bucket']}"


def phys(key):
    return "aaa-data/v1/" + key


def test_aaa_writes_cli_reads_with_sse_kms(tool, aws, aws_resources, aws_cli, tmp_path):
    data = os.urandom(4096) + b"\x00tail"
    src = tmp_path / "in.bin"
    src.write_bytes(data)
    key = "certs/example.com/privkey.pem"
    rc, out, err = tool("store-put", url(aws_resources), key, str(src))
    assert rc == 0, err
    assert out["result"] == "ok" and out["etag"].startswith('"')
    dst = tmp_path / "cli.bin"
    head = aws_cli.json("s3api", "get-object", "--bucket", aws_resources["bucket"],
                        "--key", phys(key), str(dst))
    assert dst.read_bytes() == data
    assert head["ServerSideEncryption"] == "aws:kms"
    assert aws_resources["kms_key_id"] in head["SSEKMSKeyId"]
    h = aws_cli.json("s3api", "head-object", "--bucket", aws_resources["bucket"],
                     "--key", phys(key))
    assert h["ServerSideEncryption"] == "aws:kms"
    assert aws_resources["kms_key_id"] in h["SSEKMSKeyId"]
    assert h.get("BucketKeyEnabled") is True
    assert h["ETag"] == out["etag"]
    st = settled(aws)
    assert st["refused"] == {}, st["refusals"]
    assert st["by_action"].get("s3:PutObject") == 1


def test_key_with_special_characters(tool, aws, aws_resources, aws_cli, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("hello")
    key = "certs/*.example.com/a b+c=d~e.pem"
    rc, out, err = tool("store-put", url(aws_resources), key, str(src))
    assert rc == 0, err
    objs = aws_cli.json("s3api", "list-objects-v2", "--bucket", aws_resources["bucket"])
    assert [o["Key"] for o in objs["Contents"]] == [phys(key)]
    rc, out, err = tool("store-get", url(aws_resources), key)
    assert rc == 0 and out["data"] == "hello", err
    assert settled(aws)["refused"] == {}


def test_cli_writes_aaa_reads(tool, aws_resources, aws_cli, tmp_path):
    data = os.urandom(3000)
    src = tmp_path / "cli.bin"
    src.write_bytes(data)
    # SSE-KMS, as the bucket policy requires (aaa trusts nothing else on read).
    aws_cli.json("s3api", "put-object", "--bucket", aws_resources["bucket"], "--key",
                 phys("jobs/j1.json"), "--body", str(src), "--server-side-encryption",
                 "aws:kms", "--ssekms-key-id", aws_resources["kms_key_id"])
    out_file = tmp_path / "out.bin"
    rc, out, err = tool("store-get", url(aws_resources), "jobs/j1.json", str(out_file))
    assert rc == 0, err
    assert out["len"] == len(data)
    assert out_file.read_bytes() == data
    rc, out, err = tool("store-get", url(aws_resources), "jobs/missing.json")
    assert rc == 3 and out["result"] == "not found"


def test_create_if_absent_and_replace(tool, aws, aws_resources, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text("first")
    b.write_text("second")
    u = url(aws_resources)
    rc, first, err = tool("store-create", u, "index.json", str(a))
    assert rc == 0 and first["result"] == "ok", err
    rc, out, err = tool("store-create", u, "index.json", str(b))
    assert rc == 4 and out["result"] == "conflict", err
    rc, out, _ = tool("store-get", u, "index.json")
    assert out["data"] == "first" and out["etag"] == first["etag"]
    # replace with the right etag wins, a stale one conflicts
    rc, second, err = tool("store-replace", u, "index.json", first["etag"], str(b))
    assert rc == 0 and second["etag"] != first["etag"], err
    rc, out, err = tool("store-replace", u, "index.json", first["etag"], str(a))
    assert rc == 4 and out["result"] == "conflict"
    rc, out, _ = tool("store-get", u, "index.json")
    assert out["data"] == "second"
    # replace of a deleted key is "not found"
    rc, out, err = tool("store-delete", u, "index.json")
    assert rc == 0, err
    rc, out, err = tool("store-replace", u, "index.json", second["etag"], str(a))
    assert rc == 3 and out["result"] == "not found", err
    rc, out, err = tool("store-delete", u, "index.json")
    assert rc == 0, err  # deleting a missing key is fine
    st = settled(aws)
    assert st["by_status"].get("412") == 2
    assert st["refused"] == {}


def test_list_pages(tool, aws, aws_resources):
    s3 = aws.direct_client("s3")
    names = sorted(f"aaa-data/v1/certs/n{i:03d}/cert.pem" for i in range(25))
    for n in names:
        s3.put_object(Bucket=aws_resources["bucket"], Key=n, Body=b"x")
    s3.put_object(Bucket=aws_resources["bucket"], Key="other/x", Body=b"x")
    aws.proxy.reset_stats()
    rc, out, err = tool("s3-list", aws_resources["bucket"], "aaa-data/v1/certs/", "7")
    assert rc == 0, err
    assert out["keys"] == names
    assert out["pages"] == 4
    assert out["connections"] == 1  # one kept-alive connection for all pages
    assert settled(aws)["by_action"].get("s3:ListObjectsV2") == 4
    rc, out, err = tool("store-list", url(aws_resources), "certs/n01")
    assert rc == 0, err
    assert out["keys"] == [n[len("aaa-data/v1/"):] for n in names if "/n01" in n]
    assert settled(aws)["refused"] == {}


def test_wrong_secret_refused(tool, aws_resources, tmp_path):
    src = tmp_path / "in"
    src.write_text("x")
    rc, out, err = tool("store-put", url(aws_resources), "k", str(src),
                        extra_env={"AWS_SECRET_ACCESS_KEY": "wrong-secret-value"})
    assert rc == 1
    assert "SignatureDoesNotMatch" in err
    assert "S3 PutObject aaa-data/v1/k" in err
    assert "HTTP 403" in err
    assert "wrong-secret-value" not in err


@pytest.mark.parametrize("fault", [
    {"fault": "error", "status": 503},
    {"fault": "slowdown"},
    {"fault": "reset"},
    {"fault": "throttle"},
])
def test_transient_faults_are_retried(tool, aws, aws_resources, tmp_path, fault):
    src = tmp_path / "in"
    src.write_text("payload")
    aws.proxy.faults.add(service="s3", action="PutObject", count=3, **fault)
    rc, out, err = tool("store-put", url(aws_resources), "k", str(src))
    assert rc == 0, err
    assert settled(aws)["by_action"].get("s3:PutObject") == 4
    h = aws.direct_client("s3").get_object(Bucket=aws_resources["bucket"], Key=phys("k"))
    assert h["Body"].read() == b"payload"


def test_access_denied_not_retried(tool, aws, aws_resources):
    aws.proxy.faults.add(fault="error", status=403, code="AccessDenied",
                         message="Access Denied", service="s3", action="GetObject",
                         count=5)
    rc, out, err = tool("s3-get", aws_resources["bucket"], "aaa-data/v1/x")
    assert rc == 1
    assert out["code"] == "AccessDenied" and out["status"] == 403
    assert out["attempts"] == 1
    assert out["message"].startswith("S3 GetObject aaa-data/v1/x: AccessDenied: Access Denied")
    assert "HTTP 403" in out["message"]
    assert settled(aws)["by_action"].get("s3:GetObject") == 1


def test_clock_skew_corrected(tool, aws, aws_resources, tmp_path):
    src = tmp_path / "in"
    src.write_text("x")
    aws.proxy.set_clock_offset(1200)
    rc, out, err = tool("store-put", url(aws_resources), "k", str(src))
    assert rc == 0, err
    st = settled(aws)
    assert st["by_action"].get("s3:PutObject") == 2
    assert st["by_status"].get("403") == 1, st["by_status"]
    assert "clock skew of 1200 s corrected" in err


def test_transport_failure_message(tool, aws_resources, tmp_path):
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    rc, out, err = tool("s3-get", aws_resources["bucket"], "aaa-data/v1/x", extra_env={
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"})
    assert rc == 1
    assert out["status"] == 0
    assert out["message"].startswith("S3 GetObject aaa-data/v1/x: ")
    assert out["message"].endswith(f", after {out['attempts']} attempts")
    assert out["attempts"] == 8


def test_conditional_request_conflict_retried_then_conflict(tool, aws, aws_resources, tmp_path):
    src = tmp_path / "in"
    src.write_text("x")
    u = url(aws_resources)
    # one 409 ConditionalRequestConflict: the store retries and wins
    aws.proxy.faults.add(fault="error", status=409, code="ConditionalRequestConflict",
                         message="A conflicting operation occurred", service="s3",
                         action="PutObject", count=1)
    rc, out, err = tool("store-create", u, "jobs/a.json", str(src))
    assert rc == 0 and out["result"] == "ok", err
    assert settled(aws)["by_action"].get("s3:PutObject") == 2
    # it keeps coming: "someone else won", after a bounded number of tries
    aws.proxy.faults.clear()
    aws.proxy.reset_stats()
    aws.proxy.faults.add(fault="error", status=409, code="ConditionalRequestConflict",
                         message="A conflicting operation occurred", service="s3",
                         action="PutObject", count=None)
    rc, out, err = tool("store-create", u, "jobs/b.json", str(src))
    assert rc == 4 and out["result"] == "conflict", err
    assert settled(aws)["by_action"].get("s3:PutObject") == 3


def test_store_list_over_1000_keys(tool, aws, aws_resources):
    s3 = aws.direct_client("s3")
    names = [f"certs/c{i:04d}/meta.json" for i in range(1003)]
    for n in names:
        s3.put_object(Bucket=aws_resources["bucket"], Key=phys(n), Body=b"{}")
    aws.proxy.reset_stats()
    rc, out, err = tool("store-list", url(aws_resources), "certs/")
    assert rc == 0, err
    assert out["keys"] == sorted(names)
    st = settled(aws)
    assert st["by_action"].get("s3:ListObjectsV2") == 2
    assert st["refused"] == {}


def test_retry_after_honoured(tool, aws, aws_resources):
    aws.proxy.faults.add(fault="error", status=503, code="ServiceUnavailable",
                         retry_after=1, service="s3", action="GetObject", count=1)
    t0 = time.monotonic()
    rc, out, err = tool("s3-get", aws_resources["bucket"], "aaa-data/v1/none")
    dt = time.monotonic() - t0
    assert out["attempts"] == 2 and out["code"] == "NoSuchKey", err
    assert dt >= 1.0


def test_secret_never_logged_at_debug(tool, aws_resources, tmp_path):
    src = tmp_path / "in"
    src.write_text("x")
    secret = "wrong-secret-" + uuid.uuid4().hex
    rc, out, err = tool("store-put", url(aws_resources), "k", str(src), extra_env={
        "AWS_SECRET_ACCESS_KEY": secret, "AWS_SESSION_TOKEN": "tok-" + uuid.uuid4().hex,
        "AAA_LOG_LEVEL": "debug"})
    assert rc == 1
    assert secret not in err
    assert "tok-" not in err


def test_bucket_in_another_region_says_which(tool, aws, aws_resources):
    aws.proxy.faults.add(fault="error", status=301, code="PermanentRedirect",
                         message="The bucket you are attempting to access must be addressed "
                                 "using the specified endpoint.",
                         headers={"x-amz-bucket-region": "eu-west-3"},
                         service="s3", action="GetObject", count=1)
    rc, out, err = tool("s3-get", aws_resources["bucket"], "aaa-data/v1/x")
    assert rc == 1 and out["attempts"] == 1
    assert "PermanentRedirect" in out["message"]
    assert f"bucket {aws_resources['bucket']} is in region eu-west-3: set AWS_REGION=eu-west-3" \
        in out["message"]


def test_no_credentials_is_one_clear_line(tool, aws_resources, tmp_path):
    src = tmp_path / "in"
    src.write_text("x")
    rc, out, err = tool("store-put", url(aws_resources), "k", str(src), extra_env={
        "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""})
    assert rc == 1
    assert "S3 PutObject aaa-data/v1/k: no AWS credentials found" in err


def test_prefix_goes_after_aaa_data(tool, aws_resources, aws_cli, tmp_path):
    src = tmp_path / "in"
    src.write_text("p")
    rc, out, err = tool("store-put", f"s3://{aws_resources['bucket']}/staging", "index.json",
                        str(src))
    assert rc == 0, err
    objs = aws_cli.json("s3api", "list-objects-v2", "--bucket", aws_resources["bucket"])
    assert [o["Key"] for o in objs["Contents"]] == ["aaa-data/staging/v1/index.json"]
    rc, out, err = tool("store-list", f"s3://{aws_resources['bucket']}/staging", "")
    assert rc == 0 and out["keys"] == ["index.json"], err


def test_missing_bucket_names_it(tool, aws_resources, tmp_path):
    src = tmp_path / "in"
    src.write_text("x")
    rc, out, err = tool("store-put", "s3://aaa-no-such-bucket-here", "k", str(src))
    assert rc == 1
    assert "S3 PutObject aaa-data/v1/k: NoSuchBucket" in err
    assert "bucket aaa-no-such-bucket-here does not exist here" in err
