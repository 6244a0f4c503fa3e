"""The index's S3 cost at fleet sizes: what one completed certificate moves, and what a
scheduler pass costs, for N = 100, 1,000 and 10,000 certificates already stored.

On the local stack's S3 (moto behind the SigV4-checking proxy, which counts every
request and its bytes), with build/tools/aws_tool driving the same code the agent
runs (store/index.h):
  - one completion = index_put, what agent_index_set does for a stored, failed,
    revoked or redeployed certificate;
  - one pass = index_read + index_fold, what the scheduler does before deciding,
    with C changes written since the last pass (C = 20, the default renewal budget).
The design before index changes (a read-modify-write of the whole index.json per
completion) moved at least one GET and one PUT of index.json per completion: its
size is printed next to the figures for comparison.

    /usr/bin/python3 -m bench.index_numbers [--tool build/tools/aws_tool]
                                            [--sizes 100,1000,10000] [--changes 20]
                                            [--json FILE]
(`make bench-index`.)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

from tests.integration.stack import Stack  # noqa: E402

PREFIX = "aaa-data/v1/"


def _entry(i, now):
    t = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 60 * 86400 + i))
    return {"not_before": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 30 * 86400)),
            "not_after": t, "renew_after": t, "serial": f"{i + 1:016x}", "failures": 0,
            "revoked": False}


def _s3_cost(stats):
    """(requests by action, bytes sent + received) of the S3 requests in stats."""
    reqs = [e for e in stats["requests"] if e.get("service") == "s3"]
    by = {}
    for e in reqs:
        by[e["action"]] = by.get(e["action"], 0) + 1
    return by, sum(e.get("bytes_in", 0) + e.get("bytes_out", 0) for e in reqs)


def measure(stack, tool, n, changes, work):
    aws = stack.aws
    tag = f"idx{n}"
    bucket = aws.create_bucket(f"aaa-bench-{tag}-{os.getpid()}")
    key = aws.create_kms_key(alias=f"aaa-bench-{tag}-{os.getpid()}")
    s3 = aws.direct_client("s3")
    now = int(time.time())
    body = json.dumps({"version": 1, "certs": {f"c{i:05d}.bench.test": _entry(i, now)
                                               for i in range(n)}}).encode()
    s3.put_object(Bucket=bucket, Key=PREFIX + "index.json", Body=body,
                  ServerSideEncryption="aws:kms", SSEKMSKeyId=key["arn"])
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "TZ")}
    env.update(aws.env())
    env.update({"HOME": work, "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "AAA_S3_KMS_KEY": key["key_id"]})
    entry = os.path.join(work, "entry.json")
    with open(entry, "w") as f:
        json.dump(_entry(n + 1, now), f)
    url = f"s3://{bucket}"

    def tool_run(*args):
        p = subprocess.run([tool, *args], env=env, capture_output=True, text=True, timeout=300)
        if p.returncode != 0:
            raise RuntimeError(f"aws_tool {' '.join(args)}: {p.stderr.strip()}")
        return json.loads(p.stdout)

    # One completion (of a certificate already in the index).
    aws.proxy.reset_stats()
    tool_run("index-put", url, "c00000.bench.test", entry)
    put_by, put_bytes = _s3_cost(aws.proxy.stats())
    # The rest of the changes a pass finds, then the pass.
    for i in range(1, changes):
        tool_run("index-put", url, f"c{i:05d}.bench.test", entry)
    aws.proxy.reset_stats()
    out = tool_run("index-fold", url)
    pass_by, pass_bytes = _s3_cost(aws.proxy.stats())
    assert out["fold"] == "ok" and out["changes"] == changes, out
    aws.proxy.reset_stats()
    tool_run("index-fold", url)
    idle_by, idle_bytes = _s3_cost(aws.proxy.stats())
    return {"n": n, "index_json_bytes": len(body),
            "completion": {"requests": sum(put_by.values()), "by_action": put_by,
                           "bytes": put_bytes},
            "pass": {"changes": changes, "requests": sum(pass_by.values()),
                     "by_action": pass_by, "bytes": pass_bytes},
            "idle_pass": {"requests": sum(idle_by.values()), "by_action": idle_by,
                          "bytes": idle_bytes},
            "before": {"requests_per_completion": 2,
                       "bytes_per_completion": 2 * len(body)}}


def markdown(rows, changes):
    out = ["| certificates stored | index.json | one completion: S3 requests, bytes "
           "| one pass with %d changes: S3 requests, bytes | a pass with none "
           "| before (read-modify-write): per completion |" % changes,
           "|---:|---:|---|---|---|---|"]
    for r in rows:
        c, p, i, b = r["completion"], r["pass"], r["idle_pass"], r["before"]
        out.append(f"| {r['n']:,} | {r['index_json_bytes']:,} B "
                   f"| {c['requests']} ({', '.join(f'{k} {v}' for k, v in c['by_action'].items())}), "
                   f"{c['bytes']:,} B "
                   f"| {p['requests']} ({', '.join(f'{k} {v}' for k, v in p['by_action'].items())}), "
                   f"{p['bytes']:,} B "
                   f"| {i['requests']}, {i['bytes']:,} B "
                   f"| ≥ {b['requests_per_completion']} requests, ≥ {b['bytes_per_completion']:,} B |")
    return "\n".join(out) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tool", default=os.path.join("build", "tools", "aws_tool"))
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--changes", type=int, default=20)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    work = tempfile.mkdtemp(prefix="aaa-bench-index-")
    stack = Stack(workdir=os.path.join(work, "stack"), with_dns=False, with_pebble=False).start()
    try:
        rows = [measure(stack, os.path.abspath(args.tool), int(n), args.changes, work)
                for n in args.sizes.split(",")]
    finally:
        stack.stop()
    sys.stdout.write(markdown(rows, args.changes))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
