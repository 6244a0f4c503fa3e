"""Part 4 of the bench: fleet renewal, N certificates due at once.

The fleet drill of the tests (tests/integration/fleetdrill.py) at bench sizes
(default 100 and 1,000): the real scheduler and executor in the Lambda emulator
(50 concurrent sandboxes, the template's 512 MB executor, a 60 s function
timeout so long waits save and resume), Route53 held to 5 requests/s by the
verifying proxy, two hosted zones, apex + wildcard pairs, an SSE-KMS S3 store
in moto. The N certificates are issued with the CLI first (not measured) and
made due by moving renew_after into the past; then scheduler passes run until
one starts nothing.

Figures per size: wall time from the first scheduler pass to the end of the
last executor invocation; passes; Route53 requests per certificate (all, and
those that got through the limit); S3 requests and bytes (both ways) per
certificate; CA requests per certificate; executor invocations and GB-seconds
(duration x 512 MB) per certificate; and what the drill checks (renewed,
failed jobs, orders, TXT left, index entries).

    /usr/bin/python3 -m bench.fleet [--sizes 100,1000]   (fleet only: updates the
        "fleet" part of bench/results.json and re-renders bench/results.md)
"""

import argparse
import datetime
import json
import os
import shutil
import sys
import tempfile
import time
import traceback

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

from tests.integration import fleetdrill  # noqa: E402

CONCURRENCY = 50
EXEC_TIMEOUT = 60.0
MEMORY = 512


def task_root(work, aaa_bin):
    """The Lambda zip's layout for the emulator: bootstrap, bin/aaa (a link), lib/."""
    root = os.path.join(work, "task")
    os.makedirs(os.path.join(root, "bin"), exist_ok=True)
    os.makedirs(os.path.join(root, "lib"), exist_ok=True)
    shutil.copy(os.path.join(_REPO, "bootstrap"), os.path.join(root, "bootstrap"))
    link = os.path.join(root, "bin", "aaa")
    if not os.path.lexists(link):
        os.symlink(os.path.abspath(aaa_bin), link)
    return root


def run_one(stack, aaa_bin, work, n, log, exec_timeout=EXEC_TIMEOUT):
    root = task_root(work, aaa_bin)
    d = fleetdrill.Drill(stack, aaa_bin, root, n, concurrency=CONCURRENCY,
                         exec_timeout=exec_timeout, memory=MEMORY, seed_workers=8,
                         max_passes=n // 5 + 10, log=log)
    t = time.monotonic()
    d.setup(os.path.join(work, f"home-{n}"))
    seed_s = time.monotonic() - t
    res = d.run(os.path.join(work, f"fn-home-{n}"), wait_timeout=3600)
    out = res.summary()
    out["seed_s"] = round(seed_s, 1)
    out["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    out["s3_by_action"] = {k: v for k, v in res.aws["by_action"].items()
                           if k.startswith("s3:")}
    out["route53_by_action"] = {k: v for k, v in res.aws["by_action"].items()
                                if k.startswith("route53:")}
    out["ca_by_action"] = res.ca["by_action"]
    log(f"fleet {n}: {json.dumps(out['per_certificate'])}")
    return out


def run_all(stack, aaa_bin, work, sizes, log, exec_timeout=EXEC_TIMEOUT):
    data = {"sizes": sizes, "concurrency": CONCURRENCY, "exec_timeout_s": exec_timeout,
            "memory_mb": MEMORY, "r53_rate": 5, "runs": {}}
    for n in sizes:
        log(f"bench: fleet of {n}")
        try:
            data["runs"][str(n)] = run_one(stack, aaa_bin, work, n, log, exec_timeout)
        except Exception as exc:  # noqa: BLE001 - one size failing is a figure too
            log(f"bench: fleet of {n} failed: {exc!r}\n{traceback.format_exc()}")
            data["runs"][str(n)] = {"error": repr(exc)[:2000]}
        stack.aws.reset()
    return data


INTRO = (
    "N stored certificates made due at once (renew_after moved into the past after a "
    "CLI issuance that is not measured), renewed by the real scheduler and executor in "
    "the Lambda emulator: {concurrency} concurrent sandboxes, the executor at "
    "{memory_mb} MB with a {exec_timeout_s:g} s timeout, Route53 held to 5 requests/s "
    "(burst 5; `Throttling` beyond) by the verifying proxy, two hosted zones with apex + "
    "wildcard pairs as separate certificates, an SSE-KMS S3 store in moto, pebble. "
    "Scheduler passes run back to back (the next once the last one's executors are idle) "
    "until one starts nothing. Wall time: first scheduler pass to the end of the last "
    "executor invocation. Per-certificate figures divide the totals by N; S3 bytes count "
    "both ways. GB-s: executor durations x memory. The machine's 2 cores are shared with "
    "other work (load average after each run in the table), so times are indicative.\n")


def markdown(fleet):
    if not fleet:
        return ""
    rows = []
    for n in fleet.get("sizes", []):
        r = fleet["runs"].get(str(n), {})
        if "error" in r:
            rows.append([str(n)] + ["failed: " + r["error"][:120]] + [""] * 11)
            continue
        p = r["per_certificate"]
        ok = (r["not_renewed"] == 0 and r["failed_jobs"] == 0 and
              r["new_orders"] == n and sum(r["txt_left"].values()) == 0 and
              r["index_lost"] == 0)
        rows.append([str(n), f"{p['wall_s']:.0f}", str(p["passes"]),
                     f"{p['route53_requests']:.2f} ({p['route53_passed']:.2f})",
                     f"{p['s3_requests']:.1f}", f"{p['s3_bytes'] / 1024:.1f}",
                     f"{p['ca_requests']:.1f}", f"{p['executor_invocations']:.2f}",
                     f"{p['executor_gb_s']:.2f}", str(p.get("executor_max_concurrent", "")),
                     f"{n - r['not_renewed']}/{n}, {r['failed_jobs']} failed, "
                     f"{r['new_orders']} orders, {sum(r['txt_left'].values())} TXT left, "
                     f"{r['index_lost']} index lost",
                     "yes" if ok else "no", r.get("load_after", "")])
    head = ["N", "wall s", "passes", "Route53 req/cert (through the limit)", "S3 req/cert",
            "S3 KiB/cert", "CA req/cert", "invocations/cert", "GB-s/cert", "max concurrent",
            "outcome", "clean", "load after"]
    out = [INTRO.format(**fleet), "| " + " | ".join(head) + " |",
           "|" + "---|" * len(head)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    out.append("\nGoals (issue 16): Route53 ≤ 0.5 requests per certificate; S3 requests and "
               "bytes per certificate flat in N; 1,000 certificates within 10 minutes at "
               "5 requests/s, no failure.\n")
    when = fleet.get("date")
    if when:
        out.append(f"Measured {when} by `{fleet.get('command', '')}` at commit "
                   f"{fleet.get('commit', '?')}.\n")
    return "\n".join(out)


def commit():
    try:
        import subprocess
        return subprocess.run(["git", "-C", _REPO, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:  # noqa: BLE001
        return "?"


def main(argv=None):
    from bench import results
    from tests.integration.stack import Stack

    p = argparse.ArgumentParser(prog="python3 -m bench.fleet", description=__doc__.split("\n")[0])
    p.add_argument("--aaa", default=os.path.join(_REPO, "build", "aaa"))
    p.add_argument("--sizes", default="100,1000")
    p.add_argument("--out", default=os.path.join(_REPO, "bench", "results.md"))
    p.add_argument("--json", default=None)
    p.add_argument("--command", default=None)
    p.add_argument("--exec-timeout", type=float, default=EXEC_TIMEOUT,
                   help="the executor's timeout in s (the template's is 900; 60 makes "
                        "batches resume, which the default run measures)")
    a = p.parse_args(argv)
    sizes = [int(s) for s in a.sizes.split(",") if s.strip()]
    a.json = a.json or os.path.splitext(a.out)[0] + ".json"

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    work = tempfile.mkdtemp(prefix="aaa-bench-fleet-")
    stack = Stack(workdir=os.path.join(work, "stack"),
                  pebble_opts={"nonce_reject": 0, "authz_reuse": 0}).start()
    try:
        fleet = run_all(stack, os.path.abspath(a.aaa), work, sizes, log, a.exec_timeout)
    finally:
        stack.stop()
    fleet["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    fleet["command"] = a.command or "/usr/bin/python3 -m bench.fleet " + " ".join(argv or
                                                                                sys.argv[1:])
    fleet["commit"] = commit()
    fleet["host"] = results.host_info()
    data = {}
    if os.path.exists(a.json):
        with open(a.json) as f:
            data = json.load(f)
    data["fleet"] = fleet
    with open(a.json, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    if data.get("issuance"):
        with open(a.out, "w") as f:
            f.write(results.markdown(data))
    print(markdown(fleet))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
