"""The fleet drill (tests/integration/fleetdrill.py): stored certificates made due at
once (200 unless AAA_FLEET_DRILL_N says otherwise), renewed by the real scheduler
and executor in the Lambda emulator (up to 40 concurrent sandboxes, a 20 s function
timeout so long waits save and re-invoke),
with Route53 held to 5 requests per second (its account-wide limit; AWS's
`Throttling` beyond it), two hosted zones, apex + wildcard pairs as separate
certificates sharing one record name.

Holds: every certificate renewed (a new serial in its meta.json), zero failed
jobs, exactly one newOrder per certificate at the CA, zero TXT records left in
either zone, every certificate's index entry there and naming its new serial,
nothing due after the last pass, and what reached Route53 never above its rate
plus the burst in any second. No timing assertion: the bound is the number of
passes and the wait per pass.

The scheduler runs with its defaults: batches of AAA_BATCH_SIZE (25) certificates
grouped by hosted zone, one executor each, AAA_RENEW_BUDGET (500) certificates a
pass, so one pass starts the whole fleet on about ten executors; 40 sandboxes is
the most it could use. The session's pebble keeps its default authorization reuse
(half the renewals find their names' authorizations still valid and publish no
record); make bench's fleet runs with reuse off.
"""
import datetime
import json
import os
import time

import pytest

from tests.integration import fleetdrill

N = int(os.environ.get("AAA_FLEET_DRILL_N", "200"))


@pytest.fixture
def drill(stack, aaa_bin, task_root, tmp_path):
    d = fleetdrill.Drill(stack, aaa_bin, task_root, N, concurrency=40, exec_timeout=20,
                         log=print)
    d.setup(str(tmp_path / "home"))
    return d


def test_fleet_drill_renews_every_due_certificate_within_route53s_limit(drill, tmp_path):
    res = drill.run(str(tmp_path / "fn-home"))
    print(json.dumps(res.summary(), indent=1))
    assert not res.not_renewed, (len(res.not_renewed), res.not_renewed[:5])
    assert not res.failed_jobs, [(j.get("names"), j.get("error")) for j in res.failed_jobs[:5]]
    assert res.new_orders == N, res.ca["by_action"]
    assert res.txt_left == {z: [] for z in drill.zones}, \
        {z: [r["Name"] for r in v] for z, v in res.txt_left.items()}
    assert not res.lost_index, res.lost_index[:5]
    assert not res.stale_index, res.stale_index[:5]
    assert not res.due_after, res.due_after[:5]
    assert res.r53_max_1s <= drill.r53_rate + drill.r53_burst, res.rule


# -- faults: a small fleet each; the others finish, the failing one says why --------

SMALL = 10


def _small(stack, aaa_bin, task_root, tmp_path, **kw):
    kw.setdefault("concurrency", 10)
    kw.setdefault("exec_timeout", 20)
    d = fleetdrill.Drill(stack, aaa_bin, task_root, SMALL, pairs=2, log=print, **kw)
    d.setup(str(tmp_path / "home"))
    return d


def _others_finished(d, res, failing):
    """Everything but `failing` renewed cleanly; one order per certificate that got one."""
    assert sorted(res.not_renewed) == sorted(failing), res.not_renewed
    assert res.failed_names == sorted(failing), \
        [(j.get("names"), j.get("error")) for j in res.failed_jobs]
    left = [r["Name"] for v in res.txt_left.values() for r in v]
    assert not left, (left, [(j["id"], j["state"], j.get("dns"), j.get("error"))
                             for j in res.jobs if any(n.split(".", 1)[1].rstrip(".") in
                                                      json.dumps(j) for n in left)])
    assert not res.lost_index and not res.stale_index
    assert not res.due_after, res.due_after


def _says_why(d, res, tmp_path, name, *words):
    """The failing certificate's job, and the executor's status answer, name the cause."""
    job = next(j for j in res.failed_jobs if name in j.get("names", []))
    text = json.dumps(job.get("error"))
    assert any(w in text for w in words), job.get("error")
    st = d.executor_status(str(tmp_path / "st-home"), name)
    print(json.dumps(st)[:600])
    assert any(w in json.dumps(st) for w in words), st
    return job


def test_fleet_with_one_name_in_no_zone(stack, aaa_bin, task_root, tmp_path):
    """A stored certificate whose zone was deleted since: its renewal fails saying there is
    no hosted zone for its name; the rest of the fleet renews."""
    d = _small(stack, aaa_bin, task_root, tmp_path, doomed=1)
    d.delete_zone(d.doomed_zone)
    res = d.run(str(tmp_path / "fn-home"))
    print(json.dumps(res.summary()))
    _others_finished(d, res, d.doomed_names)
    # the zone is looked up before the order: no order for the one with no zone
    assert res.new_orders == len(d.names) - 1, res.ca["by_action"]
    _says_why(d, res, tmp_path, d.doomed_names[0], "hosted zone", "NoSuchHostedZone")


# Every Route53 change stays PENDING for 3 s (each change its own id), so the
# executors sit in dns_published long enough for a fault to land there.
PENDING = {"fault": "pending", "service": "route53",
           "action": "GetChange|ChangeResourceRecordSets", "seconds": 3, "count": None}


def test_fleet_with_a_zone_deleted_in_the_middle_of_a_batch(stack, aaa_bin, task_root, tmp_path,
                                                           pebble_factory):
    """Two certificates in a third hosted zone, renewed as one batch; while the batch waits
    for Route53 (changes held PENDING), an operator deletes that zone (its record sets
    first, as Route53 requires). Those two fail saying why, in their jobs and in the
    executor's status; the other zones' certificates renew with one order each; no TXT
    record is left, and no cleanup marker stays to be retried by every pass (the records
    went with their zone). The CA reuses no authorization here, so every renewal
    publishes records and the batch is where the fault lands."""
    ca = pebble_factory(authz_reuse=0)
    d = _small(stack, aaa_bin, task_root, tmp_path, doomed=2, pebble=ca)
    deleted = {}

    def delete_mid_batch(drill):
        doomed = set(drill.doomed_names)
        job = drill.wait_job(lambda j: j.get("state") == "dns_published" and
                             doomed & set(j.get("names", [])), timeout=60)
        if job:
            drill.delete_zone(drill.doomed_zone)
            deleted.update(job=job["id"], names=job["names"])

    res = d.run(str(tmp_path / "fn-home"), during=delete_mid_batch, faults=[PENDING])
    print(json.dumps(res.summary()), deleted)
    assert deleted, "the zone was not deleted while a job of its batch was published"
    _others_finished(d, res, d.doomed_names)
    assert res.new_orders == len(d.names), res.ca["by_action"]
    for nm in d.doomed_names:
        _says_why(d, res, tmp_path, nm, "NoSuchHostedZone")
    assert d._list("fleet/cleanup/") == [], "a marker stays for a zone that is gone"


def test_fleet_with_an_executor_killed_while_its_records_are_published(stack, aaa_bin,
                                                                      task_root, tmp_path):
    """An executor's sandbox is killed (SIGKILL, as Lambda's timeout or a crash would)
    while a job of its batch waits for Route53. Lambda's retry finds the jobs leased and
    does nothing twice; a later pass, once the lease has run out, resumes them with their
    saved orders and records. Every certificate renews with one order and one job each
    and nothing is left in DNS. Passes are 20 s apart (the lease is the invocation's
    time + 5 s)."""
    d = _small(stack, aaa_bin, task_root, tmp_path, exec_timeout=10)
    killed = {}

    def event_names(inv):
        ev = inv.event() or {}
        return set(ev.get("names") or []) | ({ev["name"]} if ev.get("name") else set())

    def kill_when_published(drill):
        fn = drill.emu.functions["executor"]
        end = time.monotonic() + 60
        while time.monotonic() < end and not killed and not drill.stopping.is_set():
            job = drill.wait_job(lambda j: j.get("state") == "dns_published", timeout=5)
            for sb in list(fn.all_sandboxes) if job else []:
                inv = sb.current
                if inv is not None and sb.alive() and \
                        event_names(inv) & set(job.get("names", [])):
                    sb.kill()
                    killed.update(names=sorted(event_names(inv)), job=job["id"])
                    break

    res = d.run(str(tmp_path / "fn-home"), during=kill_when_published, faults=[PENDING],
                pass_interval=20)
    print(json.dumps(res.summary()), killed)
    assert killed, "no executor was killed"
    crashed = [i for i in d.emu.invocations if i.outcome == "crash"]
    assert crashed, res.exec_outcomes
    _others_finished(d, res, [])
    assert not res.unfinished_jobs, [(j["id"], j["state"]) for j in res.unfinished_jobs]
    assert res.new_orders == len(d.names), res.ca["by_action"]
    for nm in d.names:
        jobs = [j["id"] for j in res.jobs if nm in j.get("names", [])]
        assert len(jobs) == 1, (nm, jobs)
    assert killed["job"] in [j["id"] for j in res.jobs]


def test_fleet_with_the_ca_answering_rate_limited_halfway(stack, aaa_bin, task_root, tmp_path):
    """Five renewals a pass (AAA_RENEW_BUDGET=5) for ten certificates; the CA answers
    the fifth new order of the first pass with rateLimited and Retry-After: 30 s, longer
    than an executor may wait (10 s timeout). The pause is the fleet's
    (fleet/ca-pause.json): that job fails saying why, the passes while it lasts start
    nothing (every due certificate deferred, the pause in the answer), no new order
    reaches the CA until it is over, and then the other half renews: every other
    certificate renewed with one order each, nothing left in DNS."""
    d = _small(stack, aaa_bin, task_root, tmp_path, exec_timeout=20, budget=5,
               max_passes=40)
    rule = d.pebble.proxy.faults.add({"fault": "throttle", "action": "newOrder",
                                      "skip": 4, "count": 1, "retry_after": 30})
    res = d.run(str(tmp_path / "fn-home"))
    print(json.dumps(res.summary()))
    assert rule.fired == 1, rule.as_dict()
    assert len(res.failed_jobs) == 1, [(j["names"], j.get("error")) for j in res.failed_jobs]
    refused = res.failed_names
    _others_finished(d, res, refused)
    assert res.new_orders - rule.fired == len(d.names) - 1, res.ca["by_action"]
    job = _says_why(d, res, tmp_path, refused[0], "rateLimited")
    assert "paused" in json.dumps(job.get("error")), job.get("error")
    pause = json.loads(d._get("fleet/ca-pause.json"))
    assert "rateLimited" in json.dumps(pause), pause
    paused_passes = [p for p in res.passes if p.get("ca_pause")]
    assert paused_passes and all(not p["renewing"] and len(p["deferred"]) == 5
                                 for p in paused_passes), res.passes
    until = datetime.datetime.strptime(pause["until"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()
    # When each order was sent (the proxy logs the end and the duration), and when the
    # pause reached the store (the PUT of fleet/ca-pause.json, in the AWS proxy's log).
    orders = [e["t"] - e["ms"] / 1000.0 for e in res.ca["requests"]
              if e.get("action") == "newOrder" and not e.get("fault")]
    put = min(e["t"] for e in res.aws["requests"]
              if e["method"] == "PUT" and "fleet/ca-pause.json" in e["path"])
    # An executor that read the store just before the pause was there may still send
    # its order just after: a second's grace for that check-then-order.
    assert not [t for t in orders if put + 1.0 < t < until - 1], (pause, put, orders)
    assert [t for t in orders if t >= until - 1], "no order after the pause"


def test_fleet_through_route53_throttling_longer_than_an_invocation(stack, aaa_bin,
                                                                   task_root, tmp_path):
    """Route53 answers nothing but Throttling for 25 s, more than two invocations' worth
    (10 s timeout): the executors wait, save and resume themselves, and every
    certificate renews once the throttling ends, one order each, nothing left."""
    d = _small(stack, aaa_bin, task_root, tmp_path, exec_timeout=10)
    outage = {}

    def throttle_for_a_while(drill):
        rule = drill.aws.proxy.faults.add({"fault": "throttle", "service": "route53",
                                           "count": None})
        drill.stopping.wait(25)
        drill.aws.proxy.faults.remove(rule)
        outage.update(rule.as_dict())

    res = d.run(str(tmp_path / "fn-home"), during=throttle_for_a_while)
    print(json.dumps(res.summary()), outage)
    assert outage["fired"] > 0, outage
    resumes = [i for i in d.emu.invocations if i.function == "executor" and
               (i.event() or {}).get("action", "").startswith("resume")]
    assert resumes, res.exec_outcomes
    _others_finished(d, res, [])
    assert not res.unfinished_jobs, [(j["id"], j["state"]) for j in res.unfinished_jobs]
    assert res.new_orders == len(d.names), res.ca["by_action"]
