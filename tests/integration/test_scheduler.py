"""The scheduler on a new stack and the inputs of each alarm.

The real scheduler runs in the Lambda emulator (real bootstrap and binary) on
a store set up as each case needs; the template's alarms are then evaluated
on what it produced, the way CloudWatch would: its embedded-metric-format
line for the `aaa` metrics (one datapoint per pass; missing data as the
alarm's TreatMissingData says), the invocation's outcome for the Lambda
Errors metric. Thresholds are the template's parameter defaults, so a
default that does not fit (14 days against 6-day certificates) fails here.

Cases: an empty store (file, and S3 where a GET of the missing index.json
is refused 403 as S3 does for a caller that cannot list) is "nothing to do"
with no expiry data and no alarm; a real refusal of an existing index is a
scheduler error; an expired certificate counts even next to a healthy one;
a 6-day certificate halfway through is fine and one near its end alarms; a
failed renewal raises RenewalFailures.
"""
import datetime
import importlib
import json
import os
import re
import sys

import pytest

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

emulator = importlib.import_module("tests.integration.lambda.emulator")

# Stands in for the executor: answers every event at once (only that the
# scheduler handed a renewal on matters here).
RECORDER = """#!/usr/bin/python3
import os, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
while True:
    with opener.open(api + "next") as r:
        rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
        r.read()
    opener.open(urllib.request.Request(api + rid + "/response", data=b"{}", method="POST")).read()
"""


def _template():
    spec = importlib.util.spec_from_file_location(
        "aaa_test_template_s", os.path.join(os.path.dirname(__file__), "test_template.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.load()


@pytest.fixture(scope="module")
def alarms():
    """The template's alarms, thresholds resolved to the parameters' defaults."""
    cfn = _template()["cfn"]
    params = cfn["Parameters"]
    out = {}
    for name, r in cfn["Resources"].items():
        if r["Type"] != "AWS::CloudWatch::Alarm":
            continue
        p = dict(r["Properties"])
        t = p["Threshold"]
        p["Threshold"] = float(params[t["Ref"]]["Default"] if isinstance(t, dict) else t)
        out[name] = p
    return out


def _state(alarm, datapoints):
    """ALARM or OK for one period with these datapoints (one evaluation
    period, as every alarm of the template has)."""
    assert alarm["EvaluationPeriods"] == 1
    if not datapoints:
        assert alarm["TreatMissingData"] == "notBreaching"
        return "OK"
    stat = {"Minimum": min, "Maximum": max, "Sum": sum}[alarm["Statistic"]](datapoints)
    op = alarm["ComparisonOperator"]
    breach = {"LessThanThreshold": stat < alarm["Threshold"],
              "GreaterThanOrEqualToThreshold": stat >= alarm["Threshold"]}[op]
    return "ALARM" if breach else "OK"


def _inputs(alarms, run):
    """Each alarm's state after one scheduler pass."""
    out = {}
    for name, a in alarms.items():
        if a["Namespace"] == "aaa":
            pts = [m[a["MetricName"]] for m in run["emf"] if a["MetricName"] in m]
        elif a["Namespace"] == "AWS/Lambda":
            assert a["MetricName"] == "Errors"
            pts = [0 if run["ok"] else 1]
        else:
            continue  # the dead-letter queue: tests below and in test_template.py
        out[name] = _state(a, pts)
    return out


def _iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _entry(now, issued_days_ago, lifetime_days, **kw):
    nb = now - datetime.timedelta(days=issued_days_ago)
    na = nb + datetime.timedelta(days=lifetime_days)
    e = {"not_before": _iso(nb), "not_after": _iso(na), "serial": "01",
         "renew_after": _iso(na - datetime.timedelta(days=lifetime_days / 3)),
         "failures": 0, "revoked": False}
    e.update(kw)
    return e


def _run(tmp_path, env):
    rec = tmp_path / "recorder"
    rec.mkdir(exist_ok=True)
    (rec / "bootstrap").write_text(RECORDER)
    os.chmod(rec / "bootstrap", 0o755)
    with emulator.LambdaEmulator(retry_delays=()) as emu:
        emu.add_function("sched", str(tmp_path / "task" / "bootstrap"),
                         env=dict(env, AAA_EXECUTOR_FUNCTION="exec"), timeout=30,
                         handler="scheduler")
        emu.add_function("exec", str(rec / "bootstrap"), env={}, timeout=30)
        inv = emu.invoke("sched", emulator_scheduled_event())
        emu.wait_idle(timeout=60)
        handed = [json.loads(i.payload) for i in emu.invocations if i.function == "exec"]
    # Read after the emulator stopped: the sandbox's stdout is then read to its end
    # (the EMF line is printed just before the answer, and may still be in the pipe).
    logs = [line for _, s, line in emu.functions["sched"].logs if s == "stdout"]
    emf = [json.loads(line) for line in logs if line.startswith('{"_aws"')]
    return {"ok": inv.outcome == "success", "inv": inv, "answer": json.loads(inv.result_body()),
            "emf": emf, "handed": handed, "logs": logs,
            "stderr": [line for _, s, line in emu.functions["sched"].logs if s == "stderr"]}


def emulator_scheduled_event():
    return {"version": "0", "id": "1", "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "123456789012", "time": "2026-01-01T00:00:00Z", "region": "us-east-1",
            "resources": ["arn:aws:events:us-east-1:123456789012:rule/aaa"], "detail": {}}


@pytest.fixture
def file_env(stack, tmp_path, task_root):
    e = stack.aaa_env(tmp_path / "fn-home")
    e.pop("HOME", None)
    e["AAA_STORE"] = f"file://{tmp_path}/store"
    return e


def _write_index(env, certs):
    root = env["AAA_STORE"][len("file://"):]
    d = os.path.join(root, "aaa-data", "v1")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "index.json"), "w") as f:
        json.dump({"version": 1, "certs": certs}, f)


def test_empty_file_store_is_nothing_to_do(tmp_path, file_env, alarms):
    run = _run(tmp_path, file_env)
    assert run["ok"], run["answer"]
    assert run["answer"]["state"] == "done" and run["answer"]["checked"] == 0
    assert "nothing to do" in run["answer"]["note"]
    assert run["handed"] == []
    (emf,) = run["emf"]
    assert emf["RenewalFailures"] == 0
    assert "DaysToExpiryMin" not in emf and "LifetimeLeftPercentMin" not in emf
    names = [m["Name"] for m in emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
    assert names == ["RenewalFailures"]
    assert set(_inputs(alarms, run).values()) == {"OK"}, _inputs(alarms, run)


@pytest.fixture
def s3_env(stack, tmp_path, task_root, aws_resources):
    e = stack.aaa_env(tmp_path / "fn-home")
    e.pop("HOME", None)
    e.pop("AAA_STORE", None)
    e["AAA_S3_BUCKET"] = aws_resources["bucket"]
    e["AAA_S3_KMS_KEY"] = aws_resources["kms_key_arn"]
    return e


def test_empty_s3_store_refused_403_is_nothing_to_do(tmp_path, s3_env, aws, alarms):
    """S3 answers a GET of a missing object 403 AccessDenied to a caller without
    s3:ListBucket (here the stand-in refuses it so); the scheduler lists the
    index's own prefix first (index.json and index.d/), finds nothing, never
    GETs what is not there, and has nothing to do."""
    aws.proxy.faults.add(fault="error", status=403, code="AccessDenied", service="s3",
                         action="GetObject", path="index.json", count=None)
    aws.proxy.reset_stats()
    run = _run(tmp_path, s3_env)
    st = aws.proxy.stats()
    assert run["ok"], run["answer"]
    assert run["answer"]["checked"] == 0 and "nothing to do" in run["answer"]["note"]
    # The index's prefix (index.json and index.d/ in one listing), and fleet/
    # (the CA's pause, the cleanup markers); nothing listed, nothing fetched.
    assert st["by_action"] == {"s3:ListObjectsV2": 2}, st["by_action"]
    lists = [e for e in st["requests"] if e.get("action") == "ListObjectsV2"]
    assert re.search(r"prefix=aaa-data%2Fv1%2Findex(&|$)", lists[0]["path"]), lists[0]["path"]
    assert "prefix=aaa-data%2Fv1%2Ffleet%2F" in lists[1]["path"], lists[1]["path"]
    assert set(_inputs(alarms, run).values()) == {"OK"}


def test_refused_existing_index_is_an_error(tmp_path, s3_env, aws, alarms):
    """index.json is there and the GET is refused: a real refusal, the scheduler
    fails (SchedulerErrorsAlarm's input) and names the permissions to check."""
    s3 = aws.client("s3")
    s3.put_object(Bucket=s3_env["AAA_S3_BUCKET"], Key="aaa-data/v1/index.json",
                  Body=b'{"version":1,"certs":{}}', ServerSideEncryption="aws:kms",
                  SSEKMSKeyId=s3_env["AAA_S3_KMS_KEY"])
    aws.proxy.faults.add(fault="error", status=403, code="AccessDenied", service="s3",
                         action="GetObject", path="index.json", count=None)
    run = _run(tmp_path, s3_env)
    assert not run["ok"]
    err = run["answer"]
    assert err["errorType"] == "StoreError", err
    assert "AccessDenied" in err["errorMessage"] and "s3:GetObject" in err["errorMessage"], err
    assert run["emf"] == []
    assert _inputs(alarms, run)["SchedulerErrorsAlarm"] == "ALARM"


def test_expired_certificate_counts_next_to_a_healthy_one(tmp_path, file_env, alarms):
    now = datetime.datetime.now(datetime.timezone.utc)
    _write_index(file_env, {
        "healthy.example": _entry(now, 10, 90),
        "expired.example": _entry(now, 92, 90),  # expired two days ago
    })
    run = _run(tmp_path, file_env)
    assert run["ok"], run["answer"]
    (emf,) = run["emf"]
    assert -2.1 < emf["DaysToExpiryMin"] < -1.9, emf
    assert emf["LifetimeLeftPercentMin"] == 0
    # The expired one is due, so it is handed on; the healthy one is not.
    assert run["handed"] == [{"action": "renew", "name": "expired.example", "serial": "01"}]
    assert _inputs(alarms, run)["CertificateNearExpiryAlarm"] == "ALARM"
    assert _inputs(alarms, run)["RenewalFailuresAlarm"] == "OK"


def test_healthy_certificates_raise_no_alarm(tmp_path, file_env, alarms):
    now = datetime.datetime.now(datetime.timezone.utc)
    _write_index(file_env, {"a.example": _entry(now, 10, 90), "b.example": _entry(now, 40, 90)})
    run = _run(tmp_path, file_env)
    (emf,) = run["emf"]
    assert 49.9 < emf["DaysToExpiryMin"] < 50.1, emf
    assert 55.5 < emf["LifetimeLeftPercentMin"] < 55.6, emf
    assert set(_inputs(alarms, run).values()) == {"OK"}, _inputs(alarms, run)


@pytest.mark.parametrize("issued_days_ago, state", [(3, "OK"), (5.6, "ALARM")])
def test_short_lived_certificates_fit_the_default(tmp_path, file_env, alarms, issued_days_ago,
                                                  state):
    """A 6-day certificate (`shortlived`) halfway through its life has 3 days
    left: fine with the default threshold, where a threshold in days (14)
    would alarm for ever; one with under 10 % left alarms."""
    now = datetime.datetime.now(datetime.timezone.utc)
    _write_index(file_env, {"short.example": _entry(now, issued_days_ago, 6)})
    run = _run(tmp_path, file_env)
    (emf,) = run["emf"]
    assert abs(emf["DaysToExpiryMin"] - (6 - issued_days_ago)) < 0.02, emf
    assert _inputs(alarms, run)["CertificateNearExpiryAlarm"] == state, emf


def test_failed_renewal_raises_renewal_failures(tmp_path, file_env, alarms):
    now = datetime.datetime.now(datetime.timezone.utc)
    _write_index(file_env, {
        "ok.example": _entry(now, 10, 90),
        "failing.example": _entry(now, 61, 90, failures=2, last_error="urn:x"),
    })
    run = _run(tmp_path, file_env)
    (emf,) = run["emf"]
    assert emf["RenewalFailures"] == 1
    states = _inputs(alarms, run)
    assert states["RenewalFailuresAlarm"] == "ALARM"
    assert states["CertificateNearExpiryAlarm"] == "OK", emf


def test_dead_letter_alarm_watches_the_executors_failure_destination(alarms):
    """ExecutorDeadLetterAlarm's input is the queue failed executor events go to."""
    cfn = _template()["cfn"]
    res = cfn["Resources"]
    (cfg,) = [r for r in res.values() if r["Type"] == "AWS::Lambda::EventInvokeConfig"
              and r["Properties"]["FunctionName"] == {"Ref": "ExecutorFunction"}]
    dest = cfg["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]
    queue = dest["Fn::GetAtt"][0]
    a = alarms["ExecutorDeadLetterAlarm"]
    assert a["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]
    assert _state(a, [1]) == "ALARM" and _state(a, [0]) == "OK" and _state(a, []) == "OK"


def test_fan_out_is_bounded_and_most_urgent_first(tmp_path, file_env):
    """30 certificates due at once (a mass renewal) with AAA_RENEW_BUDGET=5: the pass
    starts 5, the revoked one first, then the earliest renewal times; the other 25 are
    deferred, and the next pass (nothing renewed in between) picks the same 5 again,
    so the order is stable and the rest follow as the first ones are renewed."""
    now = datetime.datetime.now(datetime.timezone.utc)
    certs = {}
    for i in range(30):
        # issued 70..99 days ago on 100-day lifetimes: all past renew_after, c29 earliest
        certs[f"c{i:02d}.example"] = _entry(now, 70 + i, 100)
    certs["revoked.example"] = dict(_entry(now, 1, 90), revoked=True)
    certs["fine.example"] = _entry(now, 1, 90)
    _write_index(file_env, certs)
    env = dict(file_env, AAA_RENEW_BUDGET="5")
    run = _run(tmp_path, env)
    assert run["ok"], run["answer"]
    started = [h["name"] for h in run["handed"]]
    expect = ["revoked.example", "c29.example", "c28.example", "c27.example", "c26.example"]
    assert sorted(started) == sorted(expect)
    assert run["answer"]["renewing"] == expect
    assert len(run["answer"]["deferred"]) == 26
    assert "fine.example" not in run["answer"]["deferred"] + started
    again = _run(tmp_path, env)
    assert again["answer"]["renewing"] == expect
    # without the setting, the documented default (500) starts all 31; no two of
    # them share a parent domain, so each goes alone as a plain renew
    third = _run(tmp_path, file_env)
    assert len(third["answer"]["renewing"]) == 31 and third["answer"]["deferred"] == []
    assert all(h["action"] == "renew" for h in third["handed"]), third["handed"]


def test_default_budget_hands_out_batches_by_hosted_zone(tmp_path, file_env):
    """535 certificates due at once: the default budget (500 certificates) starts the
    500 most urgent, in batches of at most 25 (AAA_BATCH_SIZE) that never mix hosted
    zones: the zone recorded in the index entry at issuance, else the parent domain.
    The 35 least urgent are deferred; every started certificate is in exactly one batch."""
    now = datetime.datetime.now(datetime.timezone.utc)
    certs = {}
    # most urgent: 10 in zone ZA and 5 in zone ZB (recorded), names from two domains
    for i in range(10):
        certs[f"a{i}.{'one' if i % 2 else 'two'}.example"] = _entry(now, 99, 100, zones=["ZA"])
    for i in range(5):
        certs[f"b{i}.three.example"] = _entry(now, 99, 100, zones=["ZB"])
    # then 520 without a recorded zone in fleet.example (the parent domain stands in)
    for i in range(520):
        certs[f"c{i:03d}.fleet.example"] = _entry(now, 70 + (i % 29), 100)
    _write_index(file_env, certs)
    run = _run(tmp_path, file_env)
    assert run["ok"], run["answer"]
    ans = run["answer"]
    assert len(ans["renewing"]) == 500 and len(ans["deferred"]) == 35
    handed = run["handed"]
    assert all(h["action"] == "renew_batch" and h["due_only"] is True for h in handed), \
        [h for h in handed if h["action"] != "renew_batch"][:3]
    assert all(1 <= len(h["names"]) <= 25 for h in handed)
    started = [n for h in handed for n in h["names"]]
    assert sorted(started) == sorted(ans["renewing"])
    # one zone per batch
    def zone(n):
        return certs[n].get("zones", ["fleet.example"])[0]
    for h in handed:
        assert len({zone(n) for n in h["names"]}) == 1, h["names"]
    by_zone = {}
    for h in handed:
        by_zone.setdefault(zone(h["names"][0]), []).append(len(h["names"]))
    assert sorted(by_zone["ZA"]) == [10] and sorted(by_zone["ZB"]) == [5], by_zone
    assert sum(by_zone["fleet.example"]) == 485 and len(by_zone["fleet.example"]) == 20
    # executors started: budget / batch size, not one per certificate
    assert len(handed) == 22
    # AAA_BATCH_SIZE=1 hands every certificate alone again
    one = _run(tmp_path, dict(file_env, AAA_BATCH_SIZE="1", AAA_RENEW_BUDGET="30"))
    assert [h["action"] for h in one["handed"]] == ["renew"] * 30


def _s3_put(aws, env, key, body):
    aws.client("s3").put_object(Bucket=env["AAA_S3_BUCKET"], Key="aaa-data/v1/" + key,
                                Body=json.dumps(body).encode(), ServerSideEncryption="aws:kms",
                                SSEKMSKeyId=env["AAA_S3_KMS_KEY"])


def _s3_keys(aws, env, prefix):
    r = aws.client("s3").list_objects_v2(Bucket=env["AAA_S3_BUCKET"],
                                         Prefix="aaa-data/v1/" + prefix)
    return [o["Key"][len("aaa-data/v1/"):] for o in r.get("Contents", [])]


def _s3_json(aws, env, key):
    r = aws.client("s3").get_object(Bucket=env["AAA_S3_BUCKET"], Key="aaa-data/v1/" + key)
    return json.loads(r["Body"].read())


def test_pass_folds_an_old_index_and_its_changes_on_s3(tmp_path, s3_env, aws):
    """An index.json from before changes existed (no seq, no removed) and five
    changes written by executors since: the pass decides on base + changes
    (the due certificate only exists in a change; an old entry was renewed
    in another, another one removed), writes the merged index.json once with
    If-Match, deletes exactly the five changes with one DeleteObjects, and
    the next pass has nothing to fold and decides the same."""
    now = datetime.datetime.now(datetime.timezone.utc)
    storeindex = importlib.import_module("tests.integration.stack.storeindex")
    _s3_put(aws, s3_env, "index.json", {"version": 1, "certs": {
        "old.example": _entry(now, 80, 90),      # due in the base ...
        "gone.example": _entry(now, 10, 90),
        "kept.example": _entry(now, 10, 90)}})
    changes = [("old.example", _entry(now, 1, 90)),  # ... renewed since
               ("new.example", _entry(now, 1, 90)),
               ("due.example", _entry(now, 85, 90)),
               ("gone.example", None),
               ("new.example", _entry(now, 2, 90))]
    for name, e in changes:
        seq = storeindex.new_seq()
        body = {"name": name, "seq": seq}
        body.update({"entry": e} if e else {"removed": True})
        _s3_put(aws, s3_env, f"index.d/{seq}.json", body)
    aws.proxy.reset_stats()
    run = _run(tmp_path, s3_env)
    st = aws.proxy.stats()
    assert run["ok"], run["answer"]
    assert [h["name"] for h in run["handed"]] == ["due.example"]
    assert run["answer"]["checked"] == 4 and run["answer"]["index_folded"] == 5
    s3 = {k: v for k, v in st["by_action"].items() if k.startswith("s3:")}
    # the index: 1 LIST, 5 changes + index.json, 1 PUT, 1 DeleteObjects; + fleet/'s LIST
    assert s3 == {"s3:ListObjectsV2": 2, "s3:GetObject": 6, "s3:PutObject": 1,
                  "s3:DeleteObjects": 1}, s3
    (put,) = [e for e in st["requests"] if e.get("action") == "PutObject"]
    assert put["status"] == 200 and put["path"].endswith("/aaa-data/v1/index.json"), put
    assert _s3_keys(aws, s3_env, "index.d/") == []
    idx = _s3_json(aws, s3_env, "index.json")
    assert sorted(idx["certs"]) == ["due.example", "kept.example", "new.example", "old.example"]
    assert idx["certs"]["new.example"]["not_before"] == changes[4][1]["not_before"]
    assert idx["certs"]["old.example"]["not_before"] == changes[0][1]["not_before"]
    assert "seq" not in idx["certs"]["kept.example"] and "gone.example" in idx["removed"]
    aws.proxy.reset_stats()
    again = _run(tmp_path, s3_env)
    st = aws.proxy.stats()
    assert [h["name"] for h in again["handed"]] == ["due.example"]
    assert again["answer"]["index_folded"] == 0
    s3 = {k: v for k, v in st["by_action"].items() if k.startswith("s3:")}
    assert s3 == {"s3:ListObjectsV2": 2, "s3:GetObject": 1}, s3


def test_pass_that_cannot_fold_still_decides_on_every_change(tmp_path, s3_env, aws):
    """The PUT of index.json refused (a policy without it, or another fold won):
    the pass still sees the change, hands the due certificate on, and leaves the
    change for the next pass, which folds it."""
    now = datetime.datetime.now(datetime.timezone.utc)
    storeindex = importlib.import_module("tests.integration.stack.storeindex")
    _s3_put(aws, s3_env, "index.json", {"version": 1, "certs": {}})
    seq = storeindex.new_seq()
    _s3_put(aws, s3_env, f"index.d/{seq}.json",
            {"name": "due.example", "seq": seq, "entry": _entry(now, 85, 90)})
    aws.proxy.faults.add(fault="error", status=403, code="AccessDenied", service="s3",
                         action="PutObject", path="index.json", count=1)
    run = _run(tmp_path, s3_env)
    assert run["ok"], run["answer"]
    assert [h["name"] for h in run["handed"]] == ["due.example"]
    assert run["answer"]["index_folded"] == 0
    assert _s3_keys(aws, s3_env, "index.d/") == [f"index.d/{seq}.json"]
    assert any("not folded" in line for line in run["stderr"]), run["stderr"]
    again = _run(tmp_path, s3_env)
    assert again["answer"]["index_folded"] == 1
    assert _s3_keys(aws, s3_env, "index.d/") == []
    assert "due.example" in _s3_json(aws, s3_env, "index.json")["certs"]
