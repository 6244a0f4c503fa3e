"""No TXT record is ever left (issue 16 item 6): a job writes a marker,
fleet/cleanup/<job-id>.<time>, before it publishes its DNS-01 records and
deletes it once they are removed. A marker that stays is handed by the
scheduler's next pass to the executor's `cleanup` action, which removes the
records and the marker.

Cases: a normal issuance leaves no marker; a cleanup refused by Route53
(the job still finishes) leaves its marker, and the next pass removes the
record; an executor killed between publishing and cleaning up (the Lambda
emulator kills its sandbox) leaves a job that nobody resumes: the pass fails
the abandoned job (so no late resume answers a challenge without its record)
and removes the record; a marker younger than a Lambda invocation is left to
its job; a second delivery of the cleanup finds nothing left.
"""
import importlib
import json
import os
import time

from tests.integration.stack import schedpass, storeindex

emulator = importlib.import_module("tests.integration.lambda.emulator")

STALE_S = 900  # LEFTOVER_STALE_S


def _markers(env):
    d = storeindex.path(env["AAA_STORE"], "fleet", "cleanup")
    return sorted(f for f in os.listdir(d) if not f.startswith(".")) if os.path.isdir(d) else []


def _age_marker(env, name, seconds):
    """Renames a marker as if it had been written `seconds` earlier (time passing)."""
    job, t = name.rsplit(".", 1)
    new = f"{job}.{int(t) - seconds}"
    d = storeindex.path(env["AAA_STORE"], "fleet", "cleanup")
    os.rename(os.path.join(d, name), os.path.join(d, new))
    return new


def _issue_with_cleanup_refused(aaa, aws, env, name):
    """`aaa cert` with Route53 taking the publish and refusing the cleanup: the
    certificate is issued anyway, its record and its marker stay. Returns (the run,
    its job id, the marker)."""
    aws.proxy.faults.add(fault="error", service="route53", action="ChangeResourceRecordSets",
                         skip=1, status=403, code="AccessDenied", count=None)
    r = aaa("cert", "--cn", name, "--store", env["AAA_STORE"])
    aws.proxy.faults.clear()
    assert r.returncode == 0, r.stderr
    (marker,) = _markers(env)
    return r, json.loads(r.stdout)["job"], marker


def test_a_refused_cleanup_is_finished_by_the_next_pass(task_root, aaa, aws, env, zone):
    name = f"ok.{zone['name']}"
    r = aaa("cert", "--cn", name, "--store", env["AAA_STORE"])
    assert r.returncode == 0, r.stderr
    assert _markers(env) == [], "a job that cleaned up leaves no marker"
    job_ok = json.loads(r.stdout)["job"]
    assert "cleanup_marker" not in storeindex.load(env["AAA_STORE"], "jobs", f"{job_ok}.json")

    name = f"left.{zone['name']}"
    r, job, marker = _issue_with_cleanup_refused(aaa, aws, env, name)
    assert "removing the TXT records failed" in r.stderr, r.stderr
    assert marker.startswith(job + ".")
    record = f"_acme-challenge.{name}."
    assert [x["Name"] for x in aws.records(zone["id"], "TXT")] == [record]
    doc = storeindex.load(env["AAA_STORE"], "fleet", "cleanup", marker)
    assert doc["job"] == job and doc["names"] == [name]
    assert doc["dns"]["records"][0]["name"] == record.rstrip(".")

    # A pass right away leaves it: the marker is younger than any job may run.
    out, execs, _ = schedpass.run(task_root, env)
    assert out["cleaning"] == [] and execs == []
    assert _markers(env) == [marker]

    marker = _age_marker(env, marker, STALE_S + 60)
    out, execs, _ = schedpass.run(task_root, env)
    assert out["cleaning"] == [job], out
    ((payload, answer),) = execs
    assert payload == {"action": "cleanup", "job": job}
    assert answer["state"] == "done" and answer["removed"] == [record.rstrip(".")], answer
    assert aws.records(zone["id"], "TXT") == []
    assert _markers(env) == []
    st = storeindex.load(env["AAA_STORE"], "jobs", f"{job}.json")
    assert st["state"] == "done" and "dns" not in st and "cleanup_marker" not in st

    # Idempotent: a second delivery finds nothing left.
    with emulator.LambdaEmulator(retry_delays=()) as emu:
        schedpass.add_functions(emu, task_root, env)
        again = json.loads(emu.invoke("executor", payload).result_body())
    assert again["state"] == "done" and again["removed"] == [], again
    assert "nothing left" in again["note"]


def test_a_marker_whose_zone_was_deleted_is_dropped(task_root, aaa, aws, env, zone):
    """A cleanup refused by Route53 leaves a marker; then the zone is deleted (records
    first, as Route53 requires). Route53 answers the cleanup NoSuchHostedZone: the
    records went with the zone, so the pass drops the marker and says so, instead of
    handing it on again at every pass."""
    _, job, marker = _issue_with_cleanup_refused(aaa, aws, env, f"gone.{zone['name']}")
    r53 = aws.direct_client("route53")
    rsets = [x for x in aws.records(zone["id"]) if x["Type"] not in ("SOA", "NS")]
    r53.change_resource_record_sets(HostedZoneId=zone["id"], ChangeBatch={
        "Changes": [{"Action": "DELETE", "ResourceRecordSet": x} for x in rsets]})
    r53.delete_hosted_zone(Id=zone["id"])

    _age_marker(env, marker, STALE_S + 60)
    with emulator.LambdaEmulator(retry_delays=()) as emu:
        schedpass.add_functions(emu, task_root, env)
        emu.fire_scheduled_event("scheduler")
        emu.wait_idle(timeout=120)
        execs = [(json.loads(i.payload), json.loads(i.result_body()))
                 for i in emu.invocations if i.function == "executor"]
        logs = [line for _, _, line in emu.functions["executor"].logs]
    ((payload, answer),) = execs
    assert payload == {"action": "cleanup", "job": job}
    assert answer["state"] == "done", answer
    assert _markers(env) == []
    assert any("NoSuchHostedZone" in line and "no longer exists" in line for line in logs), logs
    st = storeindex.load(env["AAA_STORE"], "jobs", f"{job}.json")
    assert "dns" not in st and "cleanup_marker" not in st, st
    out, execs, _ = schedpass.run(task_root, env)
    assert out["cleaning"] == [] and execs == [], out


def test_a_killed_executor_leaves_nothing_after_the_next_pass(task_root, aws, env, zone,
                                                              pebble):
    """The worker is killed while it waits for Route53 (records published); Lambda's
    retries are off, so nobody resumes it. Once the job is older than any invocation,
    the scheduler's pass fails it and removes its record and marker."""
    aws.proxy.faults.add({"fault": "pending", "service": "route53",
                          "action": "GetChange|ChangeResourceRecordSets", "seconds": 30,
                          "count": None})
    name = f"kill.{zone['name']}"
    with emulator.LambdaEmulator(retry_delays=(0.05, 0.05)) as emu:
        fn = emu.add_function("executor", str(task_root / "bootstrap"), env=env,
                              timeout=120, handler="executor")
        emu.invoke_async("executor", {"action": "cert", "names": [name],
                                      "idempotency_key": "kill-cleanup"})
        job_id = storeindex.wait_for_job(env["AAA_STORE"], "dns_published")
        emu.async_retries = 0
        fn.sandbox.kill()
    aws.proxy.faults.clear()
    job = storeindex.load(env["AAA_STORE"], "jobs", f"{job_id}.json")
    assert job["state"] == "dns_published", job
    record = f"_acme-challenge.{name}."
    assert [x["Name"] for x in aws.records(zone["id"], "TXT")] == [record]
    (marker,) = _markers(env)
    assert job["cleanup_marker"] == f"fleet/cleanup/{marker}"

    # Time passes: the job's lease and last update are older than any invocation.
    _age_marker(env, marker, STALE_S + 60)
    job["updated"] = "2020-01-01T00:00:00Z"
    job["lease"]["expires"] = 0
    storeindex.save(env["AAA_STORE"], job, "jobs", f"{job_id}.json")
    pebble.reset_stats()
    out, execs, _ = schedpass.run(task_root, env)
    assert out["cleaning"] == [job_id], out
    ((_, answer),) = execs
    assert answer["state"] == "done" and answer.get("job_failed") is True, answer
    assert aws.records(zone["id"], "TXT") == []
    assert _markers(env) == []
    job = storeindex.load(env["AAA_STORE"], "jobs", f"{job_id}.json")
    assert job["state"] == "failed" and job["error"]["code"] == "abandoned", job
    assert "removed its TXT records" in job["error"]["message"]
    assert pebble.count("newOrder") == 0


def test_a_running_job_keeps_its_records(task_root, aws, env, zone):
    """A marker handed on while its job holds a live lease (a long invocation still at
    work): the cleanup leaves it, busy, and the record stays for the job."""
    aws.proxy.faults.add({"fault": "pending", "service": "route53",
                          "action": "GetChange|ChangeResourceRecordSets", "seconds": 30,
                          "count": None})
    name = f"run.{zone['name']}"
    with emulator.LambdaEmulator(retry_delays=()) as emu:
        schedpass.add_functions(emu, task_root, env)
        emu.invoke_async("executor", {"action": "cert", "names": [name],
                                      "idempotency_key": "running"})
        deadline = time.time() + 30
        while time.time() < deadline and not _markers(env):
            time.sleep(0.05)
        time.sleep(0.5)
        (marker,) = _markers(env)
        job_id = marker.rsplit(".", 1)[0]
        # (the action itself does not look at the marker's age: the scheduler does)
        answer = json.loads(emu.invoke("executor", {"action": "cleanup", "job": job_id})
                            .result_body())
        assert answer["state"] == "busy", answer
        assert len(_markers(env)) == 1
        assert [x["Name"] for x in aws.records(zone["id"], "TXT")] == [f"_acme-challenge.{name}."]
        aws.proxy.faults.clear()
        emu.wait_idle(timeout=120)
    job = storeindex.load(env["AAA_STORE"], "jobs", f"{job_id}.json")
    assert job["state"] == "done", job
    assert aws.records(zone["id"], "TXT") == [] and _markers(env) == []
