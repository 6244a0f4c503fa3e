"""The executor and the scheduler in the Lambda emulator: the real `bootstrap` and
binary, the Runtime API, pebble, moto (S3 + KMS + Route53) and Debian's
`aws lambda invoke` as the client.

Covered: every executor action; a job cut short by its deadline that saves,
invokes itself with `resume` and finishes with the same order; duplicate
deliveries of one async event that make one order; a worker killed halfway
whose job is resumed without a second order; the scheduler's fan-out of a due
certificate to the executor."""
import importlib
import json
import time

from tests.integration.stack import schedpass, storeindex

emulator = importlib.import_module("tests.integration.lambda.emulator")


def _emu(**kw):
    return emulator.LambdaEmulator(retry_delays=(0.05, 0.05), **kw).start()


def _invoke(emu, tmp_path, name, payload, invocation_type=None):
    meta, body = emulator.aws_cli_invoke(emu.url, tmp_path, name, json.dumps(payload),
                                         invocation_type)
    return meta, (json.loads(body) if body.strip() else None)


def _job(env, job_id):
    with open(storeindex.path(env["AAA_STORE"], "jobs", f"{job_id}.json")) as f:
        return json.load(f)


def test_executor_actions_through_aws_lambda_invoke(task_root, env, zone, tmp_path, pebble):
    name = f"www.{zone['name']}"
    with _emu() as emu:
        emu.add_function("executor", str(task_root / "bootstrap"), env=env, timeout=120,
                         handler="executor")
        meta, out = _invoke(emu, tmp_path, "executor",
                            {"action": "cert", "names": [name, zone["name"]],
                             "key_type": "ec384"})
        assert "FunctionError" not in meta, out
        assert out["state"] == "done" and out["job"]
        assert out["cert"]["key_type"] == "ec384" and out["cert"]["serial"]
        job = out["job"]

        _, st = _invoke(emu, tmp_path, "executor", {"action": "status", "job": job})
        assert st["job"] == job and st["state"] == "done"
        _, st = _invoke(emu, tmp_path, "executor", {"action": "status", "name": name})
        assert st["state"] == "valid" and st["job"] == job
        assert st["cert"]["serial"] == out["cert"]["serial"]

        _, ls = _invoke(emu, tmp_path, "executor", {"action": "ls"})
        doms = [d["domain"] for a in ls for d in a["domains"]]
        assert name in doms

        _, rn = _invoke(emu, tmp_path, "executor", {"action": "renew", "name": name})
        assert rn["state"] == "done" and rn["cert"]["serial"] != out["cert"]["serial"]
        assert rn["cert"]["key_type"] == "ec384", "a renewal keeps the key type"

        _, rv = _invoke(emu, tmp_path, "executor",
                        {"action": "revoke", "name": name, "reason": "superseded"})
        assert rv["state"] == "done"
        assert pebble.cert_status(rn["cert"]["serial"])["Status"] == "Revoked"

        # A failure is an answer with the CA's or the input's error, not a crash.
        meta, bad = _invoke(emu, tmp_path, "executor",
                            {"action": "cert", "names": ["no-zone.invalid"]})
        assert "FunctionError" not in meta
        assert bad["state"] == "failed" and "hosted zone" in bad["error"]["message"]
        # A malformed event is a Runtime API error naming what is wrong.
        meta, bad = _invoke(emu, tmp_path, "executor", {"action": "cert"})
        assert meta.get("FunctionError") == "Unhandled"
        assert bad["errorType"] == "InvalidRequest" and "names" in bad["errorMessage"]


def test_route53_refusal_is_the_jobs_error_with_its_code(task_root, env, zone, tmp_path,
                                                         aws):
    """Route53 refuses the TXT change (AccessDenied, 403): the executor's answer, the job
    document and `status` carry Route53's code, HTTP status and request id, not only
    its words; a name no zone holds is the DNS side's own failure, with no code."""
    rule = aws.proxy.faults.add({"fault": "error", "service": "route53",
                                 "action": "ChangeResourceRecordSets", "path": zone["id"],
                                 "status": 403, "code": "AccessDenied",
                                 "message": "not authorized to perform: "
                                            "route53:ChangeResourceRecordSets",
                                 "count": None})
    with _emu() as emu:
        emu.add_function("executor", str(task_root / "bootstrap"), env=env, timeout=120,
                         handler="executor")
        meta, out = _invoke(emu, tmp_path, "executor",
                            {"action": "cert", "names": [f"denied.{zone['name']}"]})
        assert "FunctionError" not in meta, out
        assert rule.fired >= 1
        assert out["state"] == "failed", out
        err = out["error"]
        assert (err["source"], err["code"], err["httpStatus"]) == ("aws", "AccessDenied", 403)
        assert err["requestId"], err
        assert "AccessDenied" in err["message"] and zone["name"] in err["message"], err
        assert _job(env, out["job"])["error"] == err
        _, st = _invoke(emu, tmp_path, "executor", {"action": "status", "job": out["job"]})
        assert st["state"] == "failed" and st["error"] == err, st

        _, bad = _invoke(emu, tmp_path, "executor",
                         {"action": "cert", "names": ["no-zone.invalid"]})
        assert bad["state"] == "failed" and "hosted zone" in bad["error"]["message"]
        assert (bad["error"]["source"], bad["error"]["code"]) == ("dns", ""), bad


def test_deadline_saves_and_resumes_with_the_same_order(task_root, env, zone, tmp_path,
                                                        aws, pebble):
    """A 12 s function (its margin capped at a third, 4 s), and Route53 changes held
    PENDING for 9 s: the first invocation stops waiting, saves, invokes itself with
    resume; a later one finishes. One order at the CA."""
    aws.proxy.faults.add({"fault": "pending", "service": "route53",
                          "action": "GetChange|ChangeResourceRecordSets", "seconds": 9,
                          "count": None})
    e = dict(env, AAA_RESUME_MARGIN_MS="7000")
    pebble.reset_stats()
    with _emu() as emu:
        emu.add_function("executor", str(task_root / "bootstrap"), env=e, timeout=12,
                         handler="executor")
        _, first = _invoke(emu, tmp_path, "executor",
                           {"action": "cert", "names": [f"slow.{zone['name']}"]})
        assert first["state"] not in ("done", "failed"), first
        assert first.get("resumes") is True
        emu.wait_idle(timeout=120)
        resumes = [i for i in emu.invocations
                   if json.loads(i.payload).get("action") == "resume"]
        assert resumes, "the executor invoked itself with resume"
        assert all(json.loads(i.payload)["job"] == first["job"] for i in resumes)
    job = _job(env, first["job"])
    assert job["state"] == "done", job
    assert pebble.count("newOrder") == 1


def test_resumes_are_bounded_and_the_last_one_cleans_up(task_root, env, zone, tmp_path, aws,
                                                         pebble):
    """Route53 changes that never reach INSYNC: the job resumes AAA_MAX_RESUMES (2) times,
    then fails with the order's state instead of re-invoking forever; no TXT record left."""
    aws.proxy.faults.add({"fault": "pending", "service": "route53",
                          "action": "GetChange|ChangeResourceRecordSets", "seconds": 100000,
                          "count": None})
    e = dict(env, AAA_RESUME_MARGIN_MS="7000", AAA_MAX_RESUMES="2")
    with _emu() as emu:
        emu.add_function("executor", str(task_root / "bootstrap"), env=e, timeout=12,
                         handler="executor")
        _, first = _invoke(emu, tmp_path, "executor",
                           {"action": "cert", "names": [f"never.{zone['name']}"]})
        assert first.get("resumes") is True, first
        emu.wait_idle(timeout=180)
        resumes = [i for i in emu.invocations
                   if json.loads(i.payload).get("action") == "resume"]
    job = _job(env, first["job"])
    assert job["state"] == "failed", job
    assert len(resumes) == 2, len(resumes)
    assert "gave up after 2 resumes" in job["error"]["message"], job["error"]
    assert aws.records(zone["id"], rtype="TXT") == []


def test_duplicate_async_delivery_makes_one_order(task_root, env, zone, tmp_path, pebble):
    pebble.reset_stats()
    with _emu(duplicate_async="concurrent") as emu:
        emu.add_function("executor", str(task_root / "bootstrap"), env=env, timeout=120,
                         handler="executor")
        meta, _ = _invoke(emu, tmp_path, "executor",
                          {"action": "cert", "names": [f"dup.{zone['name']}"]},
                          invocation_type="Event")
        assert meta["StatusCode"] == 202
        emu.wait_idle(timeout=120)
        bodies = [json.loads(i.result_body()) for i in emu.invocations if i.result_body()]
    assert len(bodies) == 2
    assert len({b["job"] for b in bodies}) == 1, bodies
    assert sorted(b["state"] for b in bodies).count("done") >= 1
    assert pebble.count("newOrder") == 1


def test_killed_worker_is_resumed_without_a_second_order(task_root, env, zone, tmp_path, aws,
                                                         pebble):
    """The worker is killed while it waits for Route53; the lease it held expires (the
    test shortens it by rewriting the job, as time would), and a resume carries the job
    on with its saved order and TXT records."""
    aws.proxy.faults.add({"fault": "pending", "service": "route53",
                          "action": "GetChange|ChangeResourceRecordSets", "seconds": 4,
                          "count": None})
    pebble.reset_stats()
    with _emu() as emu:
        fn = emu.add_function("executor", str(task_root / "bootstrap"), env=env,
                              timeout=120, handler="executor")
        emu.invoke_async("executor", {"action": "cert", "names": [f"kill.{zone['name']}"],
                                      "idempotency_key": "kill-test"})
        job_id = storeindex.wait_for_job(env["AAA_STORE"], "dns_published")
        assert job_id and _job(env, job_id)["state"] == "dns_published"
        emu.async_retries = 0
        fn.sandbox.kill()
        time.sleep(0.5)
        path = storeindex.path(env["AAA_STORE"], "jobs", f"{job_id}.json")
        doc = _job(env, job_id)
        assert doc["state"] == "dns_published" and doc["lease"]
        doc["lease"]["expires"] = 0
        with open(path, "w") as f:
            json.dump(doc, f)
        inv = emu.invoke("executor", {"action": "resume", "job": job_id})
        out = json.loads(inv.result_body())
    assert out["state"] == "done", out
    assert pebble.count("newOrder") == 1


def test_scheduler_fans_out_due_certificates(task_root, env, zone, tmp_path, aaa):
    name = f"due.{zone['name']}"
    other = f"fresh.{zone['name']}"
    for n in (name, other):
        r = aaa("cert", "--cn", n, "--store", env["AAA_STORE"])
        assert r.returncode == 0, r.stderr
    # Make one of them due, as time would.
    storeindex.edit(env["AAA_STORE"], name, renew_after="2020-01-01T00:00:00Z")
    before = storeindex.load(env["AAA_STORE"], "certs", name, "meta.json")["serial"]
    with _emu() as emu:
        schedpass.add_functions(emu, task_root, env)
        emu.fire_scheduled_event("scheduler")
        emu.wait_idle(timeout=120)
        sched = [i for i in emu.invocations if i.function == "scheduler"]
        execs = [json.loads(i.payload) for i in emu.invocations if i.function == "executor"]
        out = json.loads(sched[0].result_body())
        renewed = storeindex.load(env["AAA_STORE"], "certs", name, "meta.json")["serial"]
        # Lambda delivers an async event at least once: the same hand-off again, after
        # the first one renewed, is skipped instead of renewing a second time.
        _, again = _invoke(emu, tmp_path, "executor", execs[0])
        assert again["state"] == "skipped" and again["name"] == name, again
        assert "renewed since the scheduler's pass" in again["note"], again
        assert storeindex.load(env["AAA_STORE"], "certs", name, "meta.json")["serial"] == \
            renewed
    # after the emulator stopped, so the scheduler's stdout has been read to its end
    logs = [line for _, s, line in emu.functions["scheduler"].logs if s == "stdout"]
    assert out["renewing"] == [name] and out["checked"] >= 2
    assert execs == [{"action": "renew", "name": name, "serial": before}]
    assert renewed != before
    emf = [json.loads(line) for line in logs if line.startswith("{\"_aws\"")]
    assert emf and emf[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "aaa"
    assert "DaysToExpiryMin" in emf[0]


def test_scheduler_redeploys_a_failed_target_without_reissuing(task_root, env, zone, aaa,
                                                                  pebble):
    """A deployment that failed leaves the certificate stored and marks the index; the
    next scheduler pass asks the executor to deploy again, with no new order."""
    name = f"dep.{zone['name']}"
    r = aaa("cert", "--cn", name, "--deploy", "elb:no-such-balancer",
            "--store", env["AAA_STORE"])
    assert r.returncode == 1 and "elb:no-such-balancer" in r.stderr
    meta = storeindex.load(env["AAA_STORE"], "certs", name, "meta.json")
    assert meta["serial"] and meta["deployed"]["elb:no-such-balancer"]["error"]
    idx = storeindex.merged(env["AAA_STORE"])
    assert idx["certs"][name]["deploy_failed"] is True
    assert idx["certs"][name]["failures"] == 0, "a stored certificate is not a failed renewal"
    pebble.reset_stats()
    sched, execs, _ = schedpass.run(task_root, env, retry_delays=(0.05, 0.05))
    assert sched["redeploying"] == [name] and sched["renewing"] == []
    assert [p for p, _ in execs] == [{"action": "deploy", "name": name}]
    answer = execs[0][1]
    assert answer["state"] == "failed" and answer["deployed"][0]["ok"] is False
    assert "LoadBalancerNotFound" in answer["error"]["message"]
    # The failed target's AWS code is the error's code, not only in its text.
    assert answer["error"]["source"] == "aws"
    assert answer["error"]["code"] == "LoadBalancerNotFound"
    assert pebble.count("newOrder") == 0


def test_slack_requests_for_ls_and_status_get_their_answer(task_root, env, zone, aaa,
                                                          response_url, tmp_path):
    name = f"sl.{zone['name']}"
    assert aaa("cert", "--cn", name, "--store", env["AAA_STORE"]).returncode == 0
    url = response_url.url + "/commands/T1/1/abc"
    e = dict(env, AAA_SLACK_RESPONSE_URL_PREFIX=response_url.url + "/")
    with _emu() as emu:
        emu.add_function("executor", str(task_root / "bootstrap"), env=e, timeout=60,
                         handler="executor")
        _invoke(emu, tmp_path, "executor", {"action": "ls", "response_url": url})
        _invoke(emu, tmp_path, "executor",
                {"action": "status", "name": name, "response_url": url})
        # A URL outside the allowed prefix is never posted to.
        _invoke(emu, tmp_path, "executor",
                {"action": "ls", "response_url": "http://127.0.0.1:1/elsewhere"})
    msgs = response_url.messages()
    assert len(msgs) == 2
    assert name in json.dumps(msgs[0]) and name in json.dumps(msgs[1])


def test_a_resume_that_cannot_be_invoked_fails_the_invocation_for_a_retry(
        task_root, env, zone, tmp_path, aws, pebble):
    """When the self-invocation fails, the job is saved and the invocation fails with
    ResumeFailed naming the job, so Lambda's retry of the event (or a manual resume)
    carries on; the manual resume finishes with the same order."""
    aws.proxy.faults.add({"fault": "pending", "service": "route53",
                          "action": "GetChange|ChangeResourceRecordSets", "seconds": 9,
                          "count": None})
    e = dict(env, AAA_RESUME_MARGIN_MS="7000", AWS_ENDPOINT_URL_LAMBDA="http://127.0.0.1:1")
    pebble.reset_stats()
    with _emu() as emu:
        emu.add_function("executor", str(task_root / "bootstrap"), env=e, timeout=12,
                         handler="executor")
        meta, first = _invoke(emu, tmp_path, "executor",
                              {"action": "cert", "names": [f"nores.{zone['name']}"]})
        assert meta.get("FunctionError") == "Unhandled"
        assert first["errorType"] == "ResumeFailed", first
        job_id = first["errorMessage"].split()[1]
        assert _job(env, job_id)["state"] not in ("done", "failed")
        time.sleep(9)
        emu.add_function("executor2", str(task_root / "bootstrap"), env=env, timeout=120,
                         handler="executor")
        _, out = _invoke(emu, tmp_path, "executor2", {"action": "resume", "job": job_id})
    assert out["state"] == "done", out
    assert pebble.count("newOrder") == 1
