"""The fault matrix: `aaa cert` on the local stack with one fault plan at a time.

Each row puts a fault in front of one side (AWS through the verifying proxy, the
CA through the ACME proxy, the store through S3 PutObject) and runs a real
issuance. Some counts are ones the retry policies absorb (AWS: 8 attempts with
backoff for 5xx, resets, truncated bodies and clock skew, throttling waited out for
60 s in the CLI; ACME: 15
badNonce retries), others are ones they cannot, so both outcomes are exercised.
For every row:

  - the run succeeds (exit 0, state "done"), or fails with exit 1 and one clear
    last line on stderr that carries the CA's or AWS's own code;
  - no TXT record is left in the hosted zone (cleanup runs on every failure);
  - at most one newOrder reached pebble;
  - after a failure, the same command without the fault succeeds (the job can
    be re-run), and leaves no TXT record either.

The matrix (fault x outcome) is printed at the end of the module (run with -s to
see it live) and written to <pytest tmp>/fault_matrix.txt. No timing assertion:
"within bounds" is the subprocess timeout.
"""
import json
import os
import uuid

import pytest

RUN_TIMEOUT = 180

# id, side, rules, expected outcome, code the error line must carry
AWS = "aws"
ACME = "acme"
STORE = "store"
R53_CHANGE = "ChangeResourceRecordSets"
ZONE_LOOKUP = "ListHostedZones.*"
R53_READ = "ListResourceRecordSets"
ACME_POSTS = "newOrder|authz|challenge|finalize|order|certificate"

CASES = [
    # AWS side (Route53 through the verifying proxy).
    ("aws 503 x2 (change)", AWS, [dict(fault="error", status=503, code="ServiceUnavailable",
                                      service="route53", action=R53_CHANGE, count=2)],
     "ok", None),
    ("aws 500 x2 (read rrset)", AWS, [dict(fault="error", status=500, code="InternalFailure",
                                          service="route53", action=R53_READ, count=2)],
     "ok", None),
    ("aws 503 always (change)", AWS, [dict(fault="error", status=503, code="ServiceUnavailable",
                                          service="route53", action=R53_CHANGE, count=None)],
     "fail", "ServiceUnavailable"),
    ("aws throttle x3 (change)", AWS, [dict(fault="throttle", service="route53",
                                           action=R53_CHANGE, count=3)], "ok", None),
    ("aws throttle always (zone)", AWS, [dict(fault="throttle", service="route53",
                                             action=ZONE_LOOKUP, count=None)],
     "fail", "Throttling"),
    ("aws reset x2 (read rrset)", AWS, [dict(fault="reset", service="route53",
                                            action=R53_READ, count=2)], "ok", None),
    ("aws hang 2s x1 (change)", AWS, [dict(fault="hang", ms=2000, service="route53",
                                          action=R53_CHANGE, count=1)], "ok", None),
    ("aws truncate x2 (zone)", AWS, [dict(fault="truncate", service="route53",
                                         action=ZONE_LOOKUP, count=2)], "ok", None),
    ("aws skew x1 (change)", AWS, [dict(fault="skew", service="route53", action=R53_CHANGE,
                                       count=1)], "ok", None),
    # Cleanup under fire: the publishing change goes through, the removing one
    # meets two 503s that the retries absorb; the TXT record still goes.
    ("aws 503 x2 (cleanup change)", AWS, [dict(fault="error", status=503,
                                              code="ServiceUnavailable", service="route53",
                                              action=R53_CHANGE, skip=1, count=2)],
     "ok", None),
    # Route53 reports the change PENDING for 3 s: aaa waits for INSYNC.
    ("aws change PENDING 3s", AWS, [dict(fault="pending", service="route53",
                                        action="GetChange|" + R53_CHANGE, seconds=3,
                                        count=None)], "ok", None),
    # The record is published but GetChange always fails: the run ends with
    # Route53's code and the published record is removed again.
    ("aws 503 always (GetChange)", AWS, [dict(fault="error", status=503,
                                             code="ServiceUnavailable", service="route53",
                                             action="GetChange", count=None),
                                        dict(fault="pending", service="route53",
                                             action=R53_CHANGE, seconds=600, count=None)],
     "fail", "ServiceUnavailable"),
    # Real skew: the verifying proxy's clock runs 20 minutes ahead, so it refuses
    # every signature as RequestTimeTooSkewed until aaa corrects its clock.
    ("aws clock +20 min", AWS, [dict(clock=1200)], "ok", None),
    # ACME side (pebble through the ACME proxy).
    ("acme 500 (newOrder)", ACME, [dict(fault="error", status=500, code="serverInternal",
                                       action="newOrder", count=1)],
     "fail", "serverInternal"),
    ("acme 500 (finalize)", ACME, [dict(fault="error", status=500, code="serverInternal",
                                       action="finalize", count=1)],
     "fail", "serverInternal"),
    # waited out in place (a longer pause fails and stops the fleet: test_ca_pause.py)
    ("acme 429 Retry-After (newOrder)", ACME, [dict(fault="throttle", retry_after=2,
                                                   action="newOrder", count=1)],
     "ok", None),
    ("acme badNonce x6 (storm)", ACME, [dict(fault="badnonce", action=ACME_POSTS, count=6)],
     "ok", None),
    ("acme badNonce always (newOrder)", ACME, [dict(fault="badnonce", action="newOrder",
                                                   count=None)], "fail", "badNonce"),
    # libcurl itself re-sends once when a kept-alive connection dies before
    # any answer; a second reset on the fresh connection is a failure.
    ("acme reset x1 (challenge)", ACME, [dict(fault="reset", action="challenge", count=1)],
     "ok", None),
    ("acme reset x2 (challenge)", ACME, [dict(fault="reset", action="challenge", count=2)],
     "fail", None),
    ("acme truncate (certificate)", ACME, [dict(fault="truncate", action="certificate",
                                               count=1)], "fail", None),
    # The store: S3 PutObject of fullchain.pem is written but answered 403, halfway
    # through storing (history, key and cert.pem are already there).
    ("store PutObject fails halfway", STORE, [dict(fault="error", status=403,
                                                   code="AccessDenied", service="s3",
                                                   action="PutObject", path=r"fullchain\.pem",
                                                   forward_first=True, count=1)],
     "fail", "AccessDenied"),
]

_MATRIX = []


@pytest.fixture(scope="module")
def matrix_report(tmp_path_factory):
    yield _MATRIX
    width = max((len(r[0]) for r in _MATRIX), default=10)
    lines = [f"{'fault':<{width}}  {'expect':<6}  {'outcome':<7}  {'orders':>6}  "
             f"{'TXT left':>8}  {'re-run':<6}  error line"]
    for name, expect, outcome, orders, txt, rerun, err in _MATRIX:
        lines.append(f"{name:<{width}}  {expect:<6}  {outcome:<7}  {orders:>6}  {txt:>8}  "
                     f"{rerun:<6}  {err}")
    text = "\n".join(lines) + "\n"
    path = tmp_path_factory.getbasetemp() / "fault_matrix.txt"
    path.write_text(text)
    print(f"\nfault matrix ({path}):\n{text}")


def _txt(aws, zone_id):
    return aws.records(zone_id, "TXT")


def _orders_reached(pebble):
    """newOrder requests that reached pebble (a faulted one was answered by the proxy)."""
    n = 0
    for e in pebble.proxy.stats()["requests"]:
        if e.get("action") != "newOrder":
            continue
        if e.get("fault") in (None, "delay", "truncate") or e.get("forward_first"):
            n += 1
    return n


def _last_line(text):
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return lines[-1] if lines else ""


@pytest.mark.parametrize("name,side,rules,expect,code", CASES, ids=[c[0] for c in CASES])
def test_fault(name, side, rules, expect, code, aaa, aws, pebble, aws_resources, tmp_path,
               matrix_report):
    zone, zone_id = aws_resources["zone"], aws_resources["zone_id"]
    if side == STORE:
        store = ["--s3-bucket", aws_resources["bucket"], "--s3-kms-key",
                 aws_resources["kms_key_id"]]
    else:
        store = ["--store", f"file://{tmp_path}/store"]
    reg = aaa("reg", "--email", "faults@example.test", "--agree", *store)
    assert reg.returncode == 0, reg.stderr
    cn = f"f{uuid.uuid4().hex[:6]}.{zone}"

    getattr(aws.proxy, "forget_changes", lambda: None)()
    pebble.proxy.reset_stats()
    faults = pebble.proxy.faults if side == ACME else aws.proxy.faults
    aws.proxy.reset_stats()
    added = [faults.add(dict(r)) for r in rules if "clock" not in r]
    for r in rules:
        if "clock" in r:
            aws.proxy.set_clock_offset(r["clock"])
    p = aaa("cert", "--cn", cn, *store, timeout=RUN_TIMEOUT)
    aws.proxy.faults.clear()
    pebble.proxy.faults.clear()
    skewed = aws.proxy.stats()["by_status"].get("403", 0) if any("clock" in r for r in rules) \
        else 0
    aws.proxy.set_clock_offset(0)
    fired = sum(r.fired for r in added) + skewed
    orders = _orders_reached(pebble)
    left = _txt(aws, zone_id)
    err = _last_line(p.stderr)
    outcome = "ok" if p.returncode == 0 else "fail"

    rerun = "-"
    rerun_left = []
    if outcome == "fail":
        again = aaa("cert", "--cn", cn, *store, timeout=RUN_TIMEOUT)
        rerun = "ok" if again.returncode == 0 else "FAIL"
        rerun_left = _txt(aws, zone_id)
    matrix_report.append((name, expect, outcome, orders, len(left), rerun,
                          err[:110] if outcome == "fail" else ""))

    assert fired >= 1, f"the fault never fired: {[r.as_dict() for r in added]}"
    assert outcome == expect, f"exit {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}"
    if outcome == "ok":
        assert json.loads(p.stdout)["state"] == "done"
    else:
        assert p.returncode == 1, p.stderr
        assert err and len(err) < 2048, p.stderr
        if code:
            assert code in err, f"the error line does not carry {code}: {err!r}\n{p.stderr}"
        assert rerun == "ok", f"the re-run failed:\n{again.stderr}"
        assert rerun_left == [], rerun_left
    assert left == [], f"TXT records left behind: {left}"
    assert orders <= 1, pebble.proxy.stats()["by_action"]
