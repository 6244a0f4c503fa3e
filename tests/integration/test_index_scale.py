"""The index at fleet scale, on S3 (moto behind the SigV4-checking proxy).

Hundreds of writers finish at once, each recording its certificate the way a
completing executor does (store/index.h's index_put, driven by
build/tools/aws_tool index-put, the same code agent_index_set runs): every one
lands with a single PUT, none reads or retries, no entry is lost; the store's
index.json is an old-format one (before index changes existed) and the
scheduler's read + fold (aws_tool index-fold: index_read then index_fold, as a
pass does) folds every change into it with a fixed handful of requests.
"""
import concurrent.futures
import json
import os
import subprocess

import pytest

BUILD = os.environ.get("AAA_BUILD", "build")
TOOL = os.path.join(BUILD, "tools", "aws_tool")
KEEP = ("PATH", "LANG", "LC_ALL", "TZ", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")
PREFIX = "aaa-data/v1/"

WRITERS = 240  # new certificates, all at once
RENEWED = 60   # ...and renewals of certificates already in the old index.json
OLD = 300      # entries of the old-format index.json


@pytest.fixture
def tool(aws, aws_resources, tmp_path):
    if not os.access(TOOL, os.X_OK):
        pytest.fail(f"{TOOL} is not built (make tools)")
    env = {k: v for k, v in os.environ.items() if k in KEEP}
    env.update(aws.env())
    env.update({"HOME": str(tmp_path), "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "AAA_S3_KMS_KEY": aws_resources["kms_key_id"]})

    def run(*args):
        p = subprocess.run([TOOL, *args], env=env, capture_output=True, text=True, timeout=300)
        return p.returncode, (json.loads(p.stdout) if p.stdout.strip() else None), p.stderr

    return run


def _entry(serial, not_after="2031-01-01T00:00:00Z"):
    return {"not_before": "2030-10-01T00:00:00Z", "not_after": not_after,
            "renew_after": "2030-12-01T00:00:00Z", "serial": serial, "failures": 0,
            "revoked": False}


def test_hundreds_of_writers_at_once_lose_nothing_and_fold_in_a_few_requests(
        tool, aws, aws_resources, tmp_path):
    bucket = aws_resources["bucket"]
    s3 = aws.client("s3")
    url = f"s3://{bucket}"
    old = {f"old{i:03d}.example.test": _entry(f"{i:04x}") for i in range(OLD)}
    s3.put_object(Bucket=bucket, Key=PREFIX + "index.json",
                  Body=json.dumps({"version": 1, "certs": old}).encode(),
                  ServerSideEncryption="aws:kms", SSEKMSKeyId=aws_resources["kms_key_arn"])

    jobs = [(f"new{i:03d}.example.test", _entry(f"a{i:04x}")) for i in range(WRITERS)]
    jobs += [(f"old{i:03d}.example.test", _entry(f"b{i:04x}", "2032-01-01T00:00:00Z"))
             for i in range(RENEWED)]
    files = []
    for n, (name, e) in enumerate(jobs):
        p = tmp_path / f"e{n}.json"
        p.write_text(json.dumps(e))
        files.append((name, str(p)))
    aws.proxy.reset_stats()
    with concurrent.futures.ThreadPoolExecutor(len(files)) as pool:
        runs = list(pool.map(lambda f: tool("index-put", url, f[0], f[1]), files))
    st = aws.proxy.stats()
    bad = [(f[0], r) for f, r in zip(files, runs) if r[0] != 0 or r[1]["result"] != "ok"]
    assert not bad, bad[:3]
    assert not [r for r in runs if "concurrent" in r[2] or "gave up" in r[2]]
    # One PUT each, no read, no retry, no conflict: the writers never met.
    s3_actions = {k: v for k, v in st["by_action"].items() if k.startswith("s3:")}
    assert s3_actions == {"s3:PutObject": len(files)}, s3_actions
    assert st["by_status"] == {"200": len(files)}, st["by_status"]
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=PREFIX + "index.d/", MaxKeys=1000)
    assert listed["KeyCount"] == len(files)
    # The base is untouched by writers.
    base = json.loads(s3.get_object(Bucket=bucket, Key=PREFIX + "index.json")["Body"].read())
    assert base == {"version": 1, "certs": old}

    # A scheduler pass: one LIST, a GET per change and of index.json, one PUT, one
    # DeleteObjects.
    aws.proxy.reset_stats()
    rc, out, err = tool("index-fold", url)
    st = aws.proxy.stats()
    assert rc == 0, err
    assert out == {"certs": OLD + WRITERS, "changes": len(files), "applied": len(files),
                   "fold": "ok", "result": "ok"}, out
    s3_actions = {k: v for k, v in st["by_action"].items() if k.startswith("s3:")}
    assert s3_actions == {"s3:ListObjectsV2": 1, "s3:GetObject": len(files) + 1,
                          "s3:PutObject": 1, "s3:DeleteObjects": 1}, s3_actions
    assert s3.list_objects_v2(Bucket=bucket, Prefix=PREFIX + "index.d/")["KeyCount"] == 0
    idx = json.loads(s3.get_object(Bucket=bucket, Key=PREFIX + "index.json")["Body"].read())
    certs = idx["certs"]
    assert len(certs) == OLD + WRITERS
    for name, e in jobs:
        got = dict(certs[name])
        assert got.pop("seq"), name
        assert got == e, name
    untouched = [f"old{i:03d}.example.test" for i in range(RENEWED, OLD)]
    assert all(certs[n] == old[n] for n in untouched)

    # Nothing left to fold: the next pass reads two objects' worth and writes nothing.
    aws.proxy.reset_stats()
    rc, out, err = tool("index-fold", url)
    st = aws.proxy.stats()
    assert rc == 0 and out["changes"] == 0 and out["certs"] == OLD + WRITERS, (out, err)
    s3_actions = {k: v for k, v in st["by_action"].items() if k.startswith("s3:")}
    assert s3_actions == {"s3:ListObjectsV2": 1, "s3:GetObject": 1}, s3_actions


def test_a_removal_and_a_late_older_change(tool, aws, aws_resources, tmp_path):
    """A removal folds into a removal record; a change written later but stamped
    earlier (a slow writer) does not bring the name back, in the reader's view
    and after the fold."""
    url = f"s3://{aws_resources['bucket']}"
    e = tmp_path / "e.json"
    e.write_text(json.dumps(_entry("01")))
    assert tool("index-put", url, "a.example.test", str(e))[0] == 0
    assert tool("index-put", url, "a.example.test", "-")[0] == 0
    rc, out, err = tool("index-fold", url)
    assert rc == 0 and out["certs"] == 0 and out["changes"] == 2, (out, err)
    s3 = aws.client("s3")
    idx = json.loads(s3.get_object(Bucket=aws_resources["bucket"],
                                   Key=PREFIX + "index.json")["Body"].read())
    removed_seq = idx["removed"]["a.example.test"]
    late = "%016d-%s" % (int(removed_seq[:16]) - 1, "0" * 16)
    s3.put_object(Bucket=aws_resources["bucket"], Key=f"{PREFIX}index.d/{late}.json",
                  Body=json.dumps({"name": "a.example.test", "seq": late,
                                   "entry": _entry("02")}).encode(),
                  ServerSideEncryption="aws:kms", SSEKMSKeyId=aws_resources["kms_key_arn"])
    rc, out, err = tool("index-fold", url)
    assert rc == 0 and out == {"certs": 0, "changes": 1, "applied": 0, "fold": "ok",
                               "result": "ok"}, (out, err)
