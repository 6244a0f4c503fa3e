"""The fleet-wide CA pause (issue 16 item 3): the CA answers a new order or a
finalize with `rateLimited` (or 503 with Retry-After), through the fault proxy
in front of pebble.

- A pause that ends within what the run may wait is waited out in place: the
  order (or the finalize) is sent again after it and the certificate is issued.
- A longer one fails the job saying until when, and is recorded in the store
  (fleet/ca-pause.json, with the CA's problem); every later new order (the
  CLI, any executor) fails before the CA hears of it; the scheduler starts no
  renewal while it lasts (they are "deferred", its answer carries "ca_pause",
  its log says why); `aaa ls` and the executor's status show it; once it has
  passed, the next pass renews.
- An answer heard close to the invocation's deadline is recorded all the same;
  the job resumes no earlier than the CA asked (or fails saying until when).
"""
import datetime
import importlib
import json

from tests.integration.stack import schedpass, storeindex, util

emulator = importlib.import_module("tests.integration.lambda.emulator")


def test_a_short_pause_is_waited_out_in_place(aaa, env, zone, pebble):
    """rateLimited with Retry-After: 2 on the new order, then 503 with Retry-After: 1 on
    the finalize: the CLI waits each out and issues; the pause was recorded."""
    pebble.proxy.faults.add(fault="error", action="newOrder", status=429, code="rateLimited",
                            message="too many new orders recently", retry_after=2, count=1)
    pebble.proxy.faults.add(fault="error", action="finalize", status=503, retry_after=1,
                            count=1)
    pebble.reset_stats()
    r = aaa("cert", "--cn", f"w.{zone['name']}", "--store", env["AAA_STORE"], "-v")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["state"] == "done"
    assert pebble.count("newOrder") == 2 and pebble.count("finalize") == 2
    assert "the CA asks to wait until" in r.stderr, r.stderr
    assert "too many new orders recently" in r.stderr
    # Recorded for the fleet: the last one (the finalize's, which ends later), now past.
    pause = storeindex.load(env["AAA_STORE"], "fleet", "ca-pause.json")
    assert "retry after 1 s" in pause["detail"], pause
    assert pause["directory"] == env["AAA_DIRECTORY"]
    assert util.parse_utc(pause["until"]) <= util.utc_now()


def _make_due(env, name):
    """renew_after in the past, through one index change as a writer records it."""
    storeindex.edit(env["AAA_STORE"], name, renew_after="2020-01-01T00:00:00Z")


def test_a_long_pause_stops_the_fleet_until_it_ends(task_root, aaa, env, zone, pebble):
    name = f"due.{zone['name']}"
    r = aaa("cert", "--cn", name, "--store", env["AAA_STORE"])
    assert r.returncode == 0, r.stderr
    _make_due(env, name)
    serial = storeindex.load(env["AAA_STORE"], "certs", name, "meta.json")["serial"]

    # The scheduler hands the renewal on; the CA refuses it for an hour.
    pebble.proxy.faults.add(fault="error", action="newOrder", status=429, code="rateLimited",
                            message="too many certificates already issued", retry_after=3600,
                            count=1)
    pebble.reset_stats()
    out, execs, _ = schedpass.run(task_root, env)
    assert out["renewing"] == [name] and "ca_pause" not in out
    ((payload, answer),) = execs
    assert payload == {"action": "renew", "name": name, "serial": payload["serial"]}
    assert answer["state"] == "failed", answer
    err = answer["error"]
    assert err["code"] == "urn:ietf:params:acme:error:rateLimited", err
    assert "paused fleet-wide until" in err["message"], err
    assert "too many certificates already issued" in err["message"], err
    assert pebble.count("newOrder") == 1
    pause = storeindex.load(env["AAA_STORE"], "fleet", "ca-pause.json")
    until = util.parse_utc(pause["until"])
    now = util.utc_now()
    assert now + datetime.timedelta(minutes=55) < until < now + datetime.timedelta(minutes=65), \
        pause

    # The failed renewal's backoff (an hour) has passed, as time would, but not the
    # pause: the next pass starts nothing, the certificate waits for the pause.
    assert storeindex.merged(env["AAA_STORE"])["certs"][name]["failures"] == 1
    _make_due(env, name)
    out, execs, logs = schedpass.run(task_root, env)
    assert execs == [], execs
    assert out["renewing"] == [] and out["deferred"] == [name], out
    assert out["ca_pause"]["until"] == pause["until"], out
    assert out["ca_pause"]["code"].endswith(":rateLimited")
    assert 3000 < out["ca_pause"]["seconds_left"] <= 3600
    assert any("the CA asked to wait until " + pause["until"] in line and
               "1 due certificate deferred" in line for line in logs), logs

    # Any new order waits for it, before the CA hears of it: the CLI, and it says until when.
    r = aaa("cert", "--cn", f"other.{zone['name']}", "--store", env["AAA_STORE"])
    assert r.returncode == 1
    assert pause["until"] in r.stderr and "paused fleet-wide" in r.stderr, r.stderr
    assert pebble.count("newOrder") == 1

    # aaa ls and the executor's status show it.
    ls = json.loads(aaa("ls", "--json", "--store", env["AAA_STORE"]).stdout)
    (acc,) = [a for a in ls if a.get("directory") == env["AAA_DIRECTORY"]]
    assert acc["ca_pause"]["until"] == pause["until"], acc
    with emulator.LambdaEmulator(retry_delays=()) as emu:
        schedpass.add_functions(emu, task_root, env)
        st = json.loads(emu.invoke("executor", {"action": "status", "name": name})
                        .result_body())
    assert st["ca_pause"]["until"] == pause["until"], st

    # Once the pause has passed, the next pass renews.
    pause["until"] = "2020-01-01T00:00:00Z"
    storeindex.save(env["AAA_STORE"], pause, "fleet", "ca-pause.json")
    out, execs, _ = schedpass.run(task_root, env)
    assert out["renewing"] == [name] and "ca_pause" not in out, out
    ((_, answer),) = execs
    assert answer["state"] == "done", answer
    assert answer["cert"]["serial"] != serial
    assert "ca_pause" not in json.dumps(json.loads(
        aaa("ls", "--json", "--store", env["AAA_STORE"]).stdout))


def _executor_run(task_root, env, names, timeout):
    """One executor `cert` request and every resume it leads to; the job document."""
    with emulator.LambdaEmulator(retry_delays=()) as emu:
        emu.add_function("executor", str(task_root / "bootstrap"), env=env, timeout=timeout,
                         handler="executor")
        first = json.loads(emu.invoke("executor", {"action": "cert", "names": names})
                           .result_body())
        emu.wait_idle(timeout=180)
        resumes = [i for i in emu.invocations
                   if json.loads(i.payload).get("action") == "resume"]
    job = storeindex.load(env["AAA_STORE"], "jobs", first["job"] + ".json")
    return first, resumes, job


def _near_deadline_env(env, aws):
    # A 12 s function keeps a third of it (4 s) as its margin; the hosted zone lookup
    # before the order takes 5 s, so the CA's answer comes within the last 5 s before
    # the margin, where a failure used to mean "resume at once".
    aws.proxy.faults.add(fault="delay", service="route53", action="ListHostedZones",
                         ms=5000, count=1)
    return dict(env, AAA_RESUME_MARGIN_MS="4000", AAA_MAX_RESUMES="20")


def test_a_long_pause_heard_near_the_deadline_is_recorded_and_fails_the_job(
        task_root, env, zone, pebble, aws):
    """rateLimited (Retry-After an hour) on the new order, heard when the invocation is
    short of time: the pause is recorded for the fleet and the job fails saying until
    when, instead of resuming at once and ordering again."""
    pebble.proxy.faults.add(fault="error", action="newOrder", status=429, code="rateLimited",
                            message="too many new orders recently", retry_after=3600, count=1)
    pebble.reset_stats()
    first, resumes, job = _executor_run(task_root, _near_deadline_env(env, aws),
                                        [f"late.{zone['name']}"], timeout=12)
    assert job["state"] == "failed", job
    assert "paused fleet-wide until" in job["error"]["message"], job["error"]
    assert job["error"]["code"].endswith(":rateLimited"), job["error"]
    assert pebble.count("newOrder") == 1, "the CA was asked again before its Retry-After"
    pause = storeindex.load(env["AAA_STORE"], "fleet", "ca-pause.json")
    assert "too many new orders recently" in pause["detail"], pause
    until = util.parse_utc(pause["until"])
    assert util.utc_now() + datetime.timedelta(minutes=55) < until, pause
    assert pause["until"] in job["error"]["message"], job["error"]


def test_a_short_pause_heard_near_the_deadline_is_waited_out_by_the_resume(
        task_root, env, zone, pebble, aws):
    """rateLimited with Retry-After: 4 on the new order, more than the invocation has
    left before its margin: the pause is recorded, the job is saved with it, and the
    invocation that resumes it orders again no earlier than the CA asked; one
    certificate, two newOrder requests."""
    pebble.proxy.faults.add(fault="error", action="newOrder", status=429, code="rateLimited",
                            message="slow down", retry_after=4, count=1)
    pebble.reset_stats()
    first, resumes, job = _executor_run(task_root, _near_deadline_env(env, aws),
                                        [f"soon.{zone['name']}"], timeout=12)
    assert job["state"] == "done", json.dumps(job)
    assert resumes, "the job was saved and resumed"
    assert "ca_until" not in job, job
    pause = storeindex.load(env["AAA_STORE"], "fleet", "ca-pause.json")
    assert "slow down" in pause["detail"], pause
    until = util.parse_utc(pause["until"]).timestamp()
    orders = [r for r in pebble.proxy.stats()["requests"] if r.get("action") == "newOrder"]
    assert [r["status"] for r in orders] == [429, 201], orders
    assert orders[1]["t"] >= until, (orders, pause["until"])
