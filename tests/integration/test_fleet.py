"""Many certificates at once under Route53's account-wide rate limit.

The verifying proxy in front of moto holds Route53 to 5 requests per second
(burst 5) and answers AWS's own `Throttling` (HTTP 400) beyond it, as the real
account-wide limit does. Throttling must be a wait, not a failure: every
issuance finishes, the throttling answers were seen (the limit was really hit),
Route53 never saw more than the limit allows, and no TXT record is left.
No timing assertion: "in time" is the subprocess timeout.
"""
import concurrent.futures
import json
import uuid

R53_RATE = 5


def _limit_route53(aws, rate=R53_RATE):
    return aws.proxy.faults.add(dict(fault="ratelimit", service="route53", rate=rate,
                                     burst=rate))


def test_concurrent_issuances_wait_out_route53_throttling(aaa, aws, pebble, aws_resources,
                                                         tmp_path):
    zone, zone_id = aws_resources["zone"], aws_resources["zone_id"]
    store = ["--store", f"file://{tmp_path}/store"]
    reg = aaa("reg", "--email", "fleet@example.test", "--agree", *store)
    assert reg.returncode == 0, reg.stderr
    names = [f"c{i}-{uuid.uuid4().hex[:4]}.{zone}" for i in range(8)]
    pebble.proxy.reset_stats()
    rule = _limit_route53(aws)
    try:
        with concurrent.futures.ThreadPoolExecutor(len(names)) as pool:
            runs = list(pool.map(lambda n: aaa("cert", "--cn", n, *store, timeout=240),
                                 names))
    finally:
        aws.proxy.faults.clear()
    for n, p in zip(names, runs):
        assert p.returncode == 0, f"{n}: exit {p.returncode}\n{p.stderr}"
        assert json.loads(p.stdout)["state"] == "done"
    # the limit was hit, and waited out
    print(f"route53 limit: {rule.as_dict()}, max in 1 s {rule.max_in_window(1.0)}")
    assert rule.fired >= 1, rule.as_dict()
    # what reached Route53 stayed within the limit (a bucket: rate per second + burst)
    assert rule.max_in_window(1.0) <= R53_RATE + R53_RATE, rule.as_dict()
    assert aws.records(zone_id, "TXT") == []
    orders = pebble.proxy.stats()["by_action"].get("acme:newOrder", 0)
    assert orders == len(names), pebble.proxy.stats()["by_action"]


def test_apex_and_wildcard_as_separate_certificates_at_once(aaa, aws, pebble, aws_resources,
                                                            tmp_path):
    """x and *.x share _acme-challenge.x: two issuances writing one record set at the
    same time. Publishing is a conditional DELETE-as-read + CREATE (the proxy holds
    moto to Route53's refusals), so neither overwrites the other and both validate."""
    zone, zone_id = aws_resources["zone"], aws_resources["zone_id"]
    store = ["--store", f"file://{tmp_path}/store"]
    reg = aaa("reg", "--email", "pairs@example.test", "--agree", *store)
    assert reg.returncode == 0, reg.stderr
    bases = [f"p{i}-{uuid.uuid4().hex[:4]}.{zone}" for i in range(3)]
    names = [n for b in bases for n in (b, f"*.{b}")]
    aws.proxy.reset_stats()
    with concurrent.futures.ThreadPoolExecutor(len(names)) as pool:
        runs = list(pool.map(lambda n: aaa("cert", "--cn", n, *store, timeout=240), names))
    for n, p in zip(names, runs):
        assert p.returncode == 0, f"{n}: exit {p.returncode}\n{p.stderr}"
        assert json.loads(p.stdout)["state"] == "done"
    refused = sum(1 for e in aws.proxy.stats()["requests"] if e.get("route53_refused"))
    print(f"conditional changes refused and retried: {refused}")
    assert aws.records(zone_id, "TXT") == []
