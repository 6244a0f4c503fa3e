"""Zone-grouped batches: many certificates, one Route53 change per zone.

The executor's `renew_batch` runs in the Lambda emulator (real bootstrap and
binary) against pebble and moto behind the verifying proxy, which holds Route53
to 5 requests per second (AWS's `Throttling` beyond it) and keeps Route53's
change semantics (a CREATE over an existing set or a DELETE of a set that
changed is refused). What must hold is counted, not timed: one
ChangeResourceRecordSets per zone to publish and one per zone to clean up,
one ListHostedZones for the whole batch, one order per certificate, every
certificate renewed except the one whose zone is gone (failed with why, in its
job and in `status`), no TXT record left.
"""
import importlib
import json
import os
import sys
import time
import uuid

import pytest

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

emulator = importlib.import_module("tests.integration.lambda.emulator")
storeindex = importlib.import_module("tests.integration.stack.storeindex")

R53_RATE = 5


@pytest.fixture
def zones(aws):
    out = []
    for _ in range(3):
        name = f"b{uuid.uuid4().hex[:8]}.example.test"
        out.append({"name": name, "id": aws.create_zone(name)})
    return out


@pytest.fixture
def ca(pebble_factory):
    """A pebble that never hands back an authorization still valid from the first
    issuance (its default does, at random): every renewal here validates anew, so
    the Route53 work counted is the same on every run."""
    return pebble_factory(authz_reuse=0)


@pytest.fixture
def cli_env(stack, tmp_path, ca):
    """The CLI's environment: the same store and CA as the functions'."""
    (tmp_path / "cli-home").mkdir(exist_ok=True)
    c = stack.aaa_env(tmp_path / "cli-home", pebble=ca)
    c["AAA_STORE"] = f"file://{tmp_path}/store"
    return c


@pytest.fixture
def env(stack, tmp_path, aaa, zones, ca, cli_env):
    e = stack.aaa_env(tmp_path / "fn-home", pebble=ca)
    e.pop("HOME", None)
    e["AAA_STORE"] = cli_env["AAA_STORE"]
    reg = aaa("reg", "--email", "batch@example.test", "--agree", env=cli_env)
    assert reg.returncode == 0, reg.stderr
    return e


def _store_file(env, *parts):
    return os.path.join(env["AAA_STORE"][len("file://"):], "aaa-data", "v1", *parts)


def _meta(env, name):
    seg = "_wildcard_." + name[2:] if name.startswith("*.") else name
    with open(_store_file(env, "certs", seg, "meta.json")) as f:
        return json.load(f)


def _issue(aaa, cli_env, names):
    for n in names:
        r = aaa("cert", "--cn", n, env=cli_env, timeout=120)
        assert r.returncode == 0, f"{n}: {r.stderr}"


def _delete_zone(aws, zone_id):
    r53 = aws.direct_client("route53")
    for s in aws.records(zone_id):
        if s["Type"] in ("NS", "SOA"):
            continue
        r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
            {"Action": "DELETE", "ResourceRecordSet": s}]})
    r53.delete_hosted_zone(Id=zone_id)


def _r53(stats, action):
    return stats["by_action"].get(f"route53:{action}", 0)


def test_batch_in_two_zones_makes_one_change_per_zone(task_root, env, zones, tmp_path, aws,
                                                      ca, aaa, cli_env):
    """Seven certificates in two zones (among them apex + wildcard of one name as
    separate certificates, which share _acme-challenge.<name>) and one whose zone was
    deleted since it was issued, renewed as one batch under Route53's 5 requests/s."""
    z1, z2, gone = zones
    names = [f"a.{z1['name']}", f"b.{z1['name']}", f"p.{z1['name']}", f"*.p.{z1['name']}",
             f"a.{z2['name']}", z2["name"], f"*.{z2['name']}"]
    lost = f"x.{gone['name']}"
    _issue(aaa, cli_env, names + [lost])
    _delete_zone(aws, gone["id"])
    serials = {n: _meta(env, n)["serial"] for n in names + [lost]}
    aws.proxy.reset_stats()
    aws.proxy.forget_changes()
    ca.proxy.reset_stats()
    limit = aws.proxy.faults.add(dict(fault="ratelimit", service="route53", rate=R53_RATE,
                                      burst=R53_RATE))
    # Changes stay PENDING for a second, as Route53's do: the batch waits on GetChange.
    aws.proxy.faults.add(dict(fault="pending", service="route53",
                              action="GetChange|ChangeResourceRecordSets", seconds=1,
                              count=None))
    with emulator.LambdaEmulator(retry_delays=()) as emu:
        emu.add_function("executor", str(task_root / "bootstrap"), env=env, timeout=240,
                         handler="executor")
        inv = emu.invoke("executor", {"action": "renew_batch", "names": names + [lost]})
        out = json.loads(inv.result_body())
        st = emu.invoke("executor", {"action": "status", "name": lost})
        status = json.loads(st.result_body())
    stats = aws.proxy.stats()
    aws.proxy.faults.clear()
    assert inv.outcome == "success", out
    by_name = {j["names"][0]: j for j in out["jobs"]}
    assert set(by_name) == set(names + [lost]), out
    for n in names:
        assert by_name[n]["state"] == "done", by_name[n]
        assert _meta(env, n)["serial"] != serials[n], n
    failed = by_name[lost]
    assert failed["state"] == "failed", failed
    assert "hosted zone" in failed["error"]["message"], failed
    assert out["state"] == "partial", out
    # `status` says why, from the stored certificate
    assert status["state"] == "renewal_failing", status
    assert "hosted zone" in status["cert"]["last_error"], status
    # the Route53 requests of the batch, counted
    per_cert = sum(v for k, v in stats["by_action"].items()
                   if k.startswith("route53:")) / len(names + [lost])
    print(f"route53 {dict((k, v) for k, v in stats['by_action'].items() if 'route53' in k)}"
          f" = {per_cert:.2f} per certificate; limit {limit.as_dict()}")
    assert _r53(stats, "ListHostedZones") == 1, stats["by_action"]
    # one accepted change per zone to publish, one per zone to clean up (a throttled
    # attempt, answered 400 Throttling by the limit, is the same change sent again)
    changes = [e for e in stats["requests"] if e.get("action") == "ChangeResourceRecordSets"]
    accepted = [e for e in changes if e["status"] == 200]
    assert len(accepted) == 2 * 2, (stats["by_action"], [(e["status"], e.get("fault"), e["path"]) for e in changes])
    assert all(e["status"] == 200 or e.get("fault") == "ratelimit" for e in changes), changes
    assert limit.max_in_window(1.0) <= 2 * R53_RATE, limit.as_dict()
    # one order per certificate that had a zone; none for the one without
    assert ca.count("newOrder") == len(names)
    for z in (z1, z2):
        assert aws.records(z["id"], "TXT") == [], z
    # and no cleanup marker left for the scheduler (test_leftover_cleanup.py)
    marks = _store_file(env, "fleet", "cleanup")
    assert not os.path.isdir(marks) or [m for m in os.listdir(marks) if m[0] != "."] == []


def _make_due(env, names):
    for n in names:
        storeindex.edit(env["AAA_STORE"], n, renew_after="2020-01-01T00:00:00Z")
    idx = storeindex.merged(env["AAA_STORE"])
    # meta.json too: the executor checks the certificate is still due (due_only)
    for n in names:
        seg = "_wildcard_." + n[2:] if n.startswith("*.") else n
        mp = _store_file(env, "certs", seg, "meta.json")
        with open(mp) as f:
            meta = json.load(f)
        meta["renew_after"] = "2020-01-01T00:00:00Z"
        with open(mp, "w") as f:
            json.dump(meta, f)
    return idx


def test_scheduler_hands_zone_batches_to_the_executor(task_root, env, zones, aws, ca, aaa,
                                                      cli_env):
    """The zones a certificate was validated in are recorded at issuance (meta.json and
    the index entry); the scheduler groups the due ones by them, without a Route53
    request of its own, and each executor renews one zone's batch: one change per zone
    to publish and one to clean up, every certificate renewed, one order each."""
    z1, z2, _ = zones
    names1 = [f"s{i}.{z1['name']}" for i in range(3)] + [f"*.s0.{z1['name']}"]
    names2 = [z2["name"], f"*.{z2['name']}", f"w.{z2['name']}"]
    _issue(aaa, cli_env, names1 + names2)
    idx = _make_due(env, names1 + names2)
    for n in names1:
        assert idx["certs"][n]["zones"] == [z1["id"]], idx["certs"][n]
        assert _meta(env, n)["zones"] == [z1["id"]]
    for n in names2:
        assert idx["certs"][n]["zones"] == [z2["id"]], idx["certs"][n]
    serials = {n: _meta(env, n)["serial"] for n in names1 + names2}
    aws.proxy.reset_stats()
    ca.proxy.reset_stats()
    aws.proxy.faults.add(dict(fault="ratelimit", service="route53", rate=R53_RATE,
                              burst=R53_RATE))
    with emulator.LambdaEmulator(retry_delays=()) as emu:
        emu.add_function("executor", str(task_root / "bootstrap"), env=env, timeout=240,
                         handler="executor")
        emu.add_function("scheduler", str(task_root / "bootstrap"),
                         env=dict(env, AAA_EXECUTOR_FUNCTION="executor"), timeout=30,
                         handler="scheduler")
        emu.fire_scheduled_event("scheduler")
        emu.wait_idle(timeout=240)
        sched = [json.loads(i.result_body()) for i in emu.invocations
                 if i.function == "scheduler"]
        execs = [(json.loads(i.payload), json.loads(i.result_body()))
                 for i in emu.invocations if i.function == "executor"]
    stats = aws.proxy.stats()
    aws.proxy.faults.clear()
    assert sorted(sched[0]["renewing"]) == sorted(names1 + names2), sched[0]
    # the scheduler itself made no Route53 request: every one is the executors'
    payloads = sorted((sorted(p["names"]) for p, _ in execs), key=len)
    assert [p["action"] for p, _ in execs] == ["renew_batch", "renew_batch"], execs
    assert payloads == [sorted(names2), sorted(names1)], payloads
    for _, out in execs:
        assert out["state"] == "done", out
    for n in names1 + names2:
        assert _meta(env, n)["serial"] != serials[n], n
    accepted = [e for e in stats["requests"]
                if e.get("action") == "ChangeResourceRecordSets" and e["status"] == 200]
    assert len(accepted) == 2 * 2, [(e["status"], e["path"]) for e in accepted]
    assert _r53(stats, "ListHostedZones") == 2, stats["by_action"]  # one per batch
    assert ca.count("newOrder") == len(names1 + names2)
    for z in (z1, z2):
        assert aws.records(z["id"], "TXT") == [], z


def test_apex_and_wildcard_in_two_executors_at_once(task_root, env, zones, aws, ca, aaa,
                                                    cli_env):
    """Two batches at the same time, one with x.<zone> and y.<zone>, the other with their
    wildcards: both write _acme-challenge.x and _acme-challenge.y. The conditional
    change of one is refused when the other got there first, read again and retried:
    every certificate validates, nothing is left."""
    z1 = zones[0]
    bases = [f"x.{z1['name']}", f"y.{z1['name']}"]
    wilds = [f"*.{b}" for b in bases]
    _issue(aaa, cli_env, bases + wilds)
    serials = {n: _meta(env, n)["serial"] for n in bases + wilds}
    aws.proxy.reset_stats()
    with emulator.LambdaEmulator(retry_delays=()) as emu:
        emu.add_function("executor", str(task_root / "bootstrap"), env=env, timeout=240,
                         handler="executor")
        emu.invoke_async("executor", {"action": "renew_batch", "names": bases})
        emu.invoke_async("executor", {"action": "renew_batch", "names": wilds})
        emu.wait_idle(timeout=240)
        outs = [json.loads(i.result_body()) for i in emu.invocations]
    assert len(outs) == 2
    for out in outs:
        assert out["state"] == "done", out
    for n in bases + wilds:
        assert _meta(env, n)["serial"] != serials[n], n
    refused = sum(1 for e in aws.proxy.stats()["requests"] if e.get("route53_refused"))
    print(f"conditional changes refused and retried: {refused}")
    assert aws.records(z1["id"], "TXT") == []


def test_a_zone_refusing_the_change_fails_only_its_certificates(task_root, env, zones, aws,
                                                                ca, aaa, cli_env):
    """Zone 2's change is refused (NoSuchHostedZone, as for a zone deleted after the
    batch listed it): its certificates fail with Route53's code in their job and in
    `status`, zone 1's are renewed; nothing is left in zone 1."""
    z1, z2, _ = zones
    ok = [f"k{i}.{z1['name']}" for i in range(2)]
    bad = [f"f{i}.{z2['name']}" for i in range(2)]
    _issue(aaa, cli_env, ok + bad)
    serials = {n: _meta(env, n)["serial"] for n in ok + bad}
    ca.proxy.reset_stats()
    aws.proxy.faults.add(dict(fault="error", service="route53",
                              action="ChangeResourceRecordSets", path=z2["id"], status=404,
                              code="NoSuchHostedZone",
                              message=f"No hosted zone found with ID: {z2['id']}",
                              count=None))
    with emulator.LambdaEmulator(retry_delays=()) as emu:
        emu.add_function("executor", str(task_root / "bootstrap"), env=env, timeout=240,
                         handler="executor")
        inv = emu.invoke("executor", {"action": "renew_batch", "names": ok + bad})
        out = json.loads(inv.result_body())
        st = json.loads(emu.invoke("executor", {"action": "status",
                                                "name": bad[0]}).result_body())
    aws.proxy.faults.clear()
    by_name = {j["names"][0]: j for j in out["jobs"]}
    assert out["state"] == "partial", out
    for n in ok:
        assert by_name[n]["state"] == "done", by_name[n]
        assert _meta(env, n)["serial"] != serials[n]
    for n in bad:
        assert by_name[n]["state"] == "failed", by_name[n]
        assert "NoSuchHostedZone" in by_name[n]["error"]["message"], by_name[n]
        assert _meta(env, n)["serial"] == serials[n]
    assert st["state"] == "renewal_failing" and "NoSuchHostedZone" in st["cert"]["last_error"]
    assert ca.count("newOrder") == len(ok + bad)
    assert aws.records(z1["id"], "TXT") == []


def test_a_job_failing_after_the_publish_removes_its_record(task_root, env, zones, aws, ca,
                                                            aaa, cli_env):
    """Three certificates in one zone; the CA refuses one challenge answer, after the
    batch published every value. That job fails and removes its own value (the batch's
    listing of the zone, read before the publish, must not make it believe there is
    nothing to remove); the other two renew; no TXT record is left."""
    z1 = zones[0]
    names = [f"v{i}.{z1['name']}" for i in range(3)]
    _issue(aaa, cli_env, names)
    ca.proxy.reset_stats()
    ca.proxy.faults.add(dict(fault="error", action="challenge", status=400,
                             code="malformed", message="refused for the test", count=1))
    with emulator.LambdaEmulator(retry_delays=()) as emu:
        emu.add_function("executor", str(task_root / "bootstrap"), env=env, timeout=240,
                         handler="executor")
        out = json.loads(emu.invoke("executor", {"action": "renew_batch",
                                                 "names": names}).result_body())
    ca.proxy.faults.clear()
    states = sorted(j["state"] for j in out["jobs"])
    assert states == ["done", "done", "failed"], out
    assert aws.records(z1["id"], "TXT") == []

def test_batch_cut_short_by_its_deadline_resumes_together(task_root, env, zones, aws, ca,
                                                          aaa, cli_env):
    """A 12 s function and Route53 changes held PENDING for 9 s: the batch saves every
    job and invokes itself with resume_batch and their ids; a later invocation finishes
    them, with the same orders (one each at the CA) and one publish per zone."""
    z1 = zones[0]
    names = [f"d{i}.{z1['name']}" for i in range(3)]
    _issue(aaa, cli_env, names)
    ca.proxy.reset_stats()
    aws.proxy.reset_stats()
    aws.proxy.forget_changes()
    aws.proxy.faults.add(dict(fault="pending", service="route53",
                              action="GetChange|ChangeResourceRecordSets", seconds=9,
                              count=None))
    e = dict(env, AAA_RESUME_MARGIN_MS="7000")
    with emulator.LambdaEmulator(retry_delays=()) as emu:
        emu.add_function("executor", str(task_root / "bootstrap"), env=e, timeout=12,
                         handler="executor")
        first = json.loads(emu.invoke("executor", {"action": "renew_batch",
                                                   "names": names}).result_body())
        assert first["state"] == "in_progress" and first["resumes"] is True, first
        assert sorted(first["resume_jobs"]) == sorted(j["job"] for j in first["jobs"])
        emu.wait_idle(timeout=180)
        resumes = [json.loads(i.payload) for i in emu.invocations
                   if json.loads(i.payload).get("action") == "resume_batch"]
    stats = aws.proxy.stats()
    aws.proxy.faults.clear()
    assert resumes and sorted(resumes[0]["jobs"]) == sorted(first["resume_jobs"]), resumes
    for j in first["jobs"]:
        with open(_store_file(env, "jobs", j["job"] + ".json")) as f:
            assert json.load(f)["state"] == "done", j
    assert ca.count("newOrder") == len(names)
    publishes = [e for e in stats["requests"] if e.get("action") == "ChangeResourceRecordSets"
                 and e["status"] == 200]
    assert len(publishes) == 2, len(publishes)  # one publish, one cleanup
    assert aws.records(z1["id"], "TXT") == []


def test_a_slow_ca_while_collecting_values_saves_the_batch_in_time(task_root, env, zones, aws,
                                                                   ca, aaa, cli_env):
    """Six certificates, a 15 s function keeping 5 s, and a CA that takes 2.5 s for each
    of the first six authorization reads: reading every job's challenge one after
    another (15 s) would outlast the invocation, which Lambda would kill. The batch
    stops collecting when its time runs short, saves every job and resumes them; every
    certificate renews with one order, no invocation times out, nothing is left in DNS."""
    z1 = zones[0]
    names = [f"s{i}.{z1['name']}" for i in range(6)]
    _issue(aaa, cli_env, names)
    ca.proxy.reset_stats()
    ca.proxy.faults.add(dict(fault="delay", action="authz", ms=2500, count=len(names)))
    e = dict(env, AAA_RESUME_MARGIN_MS="5000")
    with emulator.LambdaEmulator(retry_delays=()) as emu:
        emu.add_function("executor", str(task_root / "bootstrap"), env=e, timeout=15,
                         handler="executor")
        first = json.loads(emu.invoke("executor", {"action": "renew_batch",
                                                   "names": names}).result_body())
        emu.wait_idle(timeout=180)
        outcomes = [i.outcome for i in emu.invocations]
        resumes = [json.loads(i.payload) for i in emu.invocations
                   if json.loads(i.payload).get("action") == "resume_batch"]
    ca.proxy.faults.clear()
    assert "timeout" not in outcomes, outcomes
    assert first["state"] == "in_progress" and first["resumes"] is True, first
    assert resumes, outcomes
    for j in first["jobs"]:
        with open(_store_file(env, "jobs", j["job"] + ".json")) as f:
            assert json.load(f)["state"] == "done", j
    assert ca.count("newOrder") == len(names)
    assert aws.records(z1["id"], "TXT") == []

def test_killed_batch_is_resumed_without_second_orders(task_root, env, zones, aws, ca, aaa,
                                                       cli_env):
    """The executor is killed while its batch waits for Route53; Lambda's retry of the
    same event finds the same jobs (renew's idempotency keys) once their leases expire
    (the test shortens them, as time would) and finishes them with their orders."""
    z1 = zones[0]
    names = [f"kb{i}.{z1['name']}" for i in range(2)]
    _issue(aaa, cli_env, names)
    _make_due(env, names)
    ca.proxy.reset_stats()
    aws.proxy.forget_changes()
    aws.proxy.faults.add(dict(fault="pending", service="route53",
                              action="GetChange|ChangeResourceRecordSets", seconds=4,
                              count=None))
    event = {"action": "renew_batch", "names": names, "due_only": True}
    jobs_dir = _store_file(env, "jobs")
    with emulator.LambdaEmulator(retry_delays=()) as emu:
        fn = emu.add_function("executor", str(task_root / "bootstrap"), env=env,
                              timeout=120, handler="executor")
        emu.invoke_async("executor", event)
        deadline = time.time() + 60
        ids = []
        while time.time() < deadline:
            docs = []
            for f in os.listdir(jobs_dir) if os.path.isdir(jobs_dir) else []:
                if f.endswith(".json"):
                    with open(os.path.join(jobs_dir, f)) as fh:
                        d = json.load(fh)
                    if d.get("renewal"):
                        docs.append(d)
            if len(docs) == len(names) and all(d["state"] == "dns_published" for d in docs):
                ids = [d["id"] for d in docs]
                break
            time.sleep(0.05)
        assert len(ids) == len(names), "the batch reached dns_published"
        emu.async_retries = 0
        fn.sandbox.kill()
        time.sleep(0.5)
        for i in ids:
            path = os.path.join(jobs_dir, f"{i}.json")
            with open(path) as fh:
                doc = json.load(fh)
            assert doc["state"] == "dns_published" and doc["lease"]
            doc["lease"]["expires"] = 0
            with open(path, "w") as fh:
                json.dump(doc, fh)
        out = json.loads(emu.invoke("executor", event).result_body())
    aws.proxy.faults.clear()
    assert out["state"] == "done", out
    assert sorted(j["job"] for j in out["jobs"]) == sorted(ids)
    assert ca.count("newOrder") == len(names)
    assert aws.records(z1["id"], "TXT") == []


def test_a_full_batch_in_one_zone_costs_a_handful_of_route53_requests(task_root, env, zones,
                                                                      aws, ca, aaa, cli_env):
    """25 certificates (the default AAA_BATCH_SIZE) in one zone: one ListHostedZones, the
    zone read twice (its first name alone, then the whole zone in one page), one change
    to publish and one to clean up; GetChange as long as Route53 says PENDING (a second
    here). Printed per certificate; the bound is counted, not timed."""
    z1 = zones[0]
    names = [f"n{i:02d}.{z1['name']}" for i in range(25)]
    _issue(aaa, cli_env, names)
    aws.proxy.reset_stats()
    aws.proxy.forget_changes()
    ca.proxy.reset_stats()
    aws.proxy.faults.add(dict(fault="pending", service="route53",
                              action="GetChange|ChangeResourceRecordSets", seconds=1,
                              count=None))
    with emulator.LambdaEmulator(retry_delays=()) as emu:
        emu.add_function("executor", str(task_root / "bootstrap"), env=env, timeout=300,
                         handler="executor")
        out = json.loads(emu.invoke("executor", {"action": "renew_batch",
                                                 "names": names}).result_body())
    stats = aws.proxy.stats()
    aws.proxy.faults.clear()
    assert out["state"] == "done", out
    r53 = {k: v for k, v in stats["by_action"].items() if k.startswith("route53:")}
    print(f"25 certificates, one zone: {r53} = "
          f"{sum(r53.values()) / len(names):.2f} Route53 requests per certificate")
    assert _r53(stats, "ListHostedZones") == 1, r53
    assert _r53(stats, "ListResourceRecordSets") == 2, r53
    assert _r53(stats, "ChangeResourceRecordSets") == 2, r53
    assert _r53(stats, "GetChange") >= 1, r53
    assert ca.count("newOrder") == len(names)
    assert aws.records(z1["id"], "TXT") == []
