"""Part 2 of the bench: the Lambda-specific figures, under the project's Lambda
emulator (tests/integration/lambda/emulator.py) running the real `bootstrap`.

  * cold start: exec of bootstrap to the runtime's first GET /next, as the
    emulator times it (_Sandbox.cold_start_ms), median of N fresh sandboxes;
    beside it the process start of `aaa --version` and the peers' version
    commands (exec to exit, through /usr/bin/time like the issuance runs);
  * warm invocation: {"action":"ls"} to a warm sandbox, the Invoke round trip
    and the runtime's own share (from /next handing it out to the answer);
  * the zip's size;
  * peak RSS of a 5-name issuance in the runtime (VmHWM of the sandbox after
    an executor `cert` invocation), the scheduler pass over 10,000 stored
    certificates and the dispatcher's p50/p99 over Slack requests: each is
    probed first, and stays a "pending: ..." row until its handler answers.

The zip is unpacked and run as packaged when it exists (its own loader and
libraries); otherwise the source-tree layout (bootstrap runs the built binary).
"""

import base64
import hashlib
import hmac
import importlib
import json
import os
import shutil
import time
import urllib.parse
import zipfile

from . import measure
from .clients import EMAIL, PASS_ENV, Certbot, Lego, Uacme

emulator = importlib.import_module("tests.integration.lambda.emulator")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FN = "aaa-bench"
COLD_TARGET_MS = 5.0
ZIP_TARGET = 5 * 1024 * 1024
RSS_TARGET_MB = 12.0
SLACK_SECRET = "bench-slack-signing-secret"


def _task_root(args, work):
    """(task root, description): the unpacked zip, else bootstrap + the built binary."""
    root = os.path.join(work, "lambda-task")
    shutil.rmtree(root, ignore_errors=True)
    if os.path.exists(args.zip):
        with zipfile.ZipFile(args.zip) as z:
            for info in z.infolist():
                z.extract(info, root)
                mode = (info.external_attr >> 16) & 0o777
                if mode:
                    os.chmod(os.path.join(root, info.filename), mode)
        shown = os.path.relpath(args.zip, REPO) if args.zip.startswith(REPO + "/") else args.zip
        return root, f"the packaged zip ({shown}, unpacked)"
    os.makedirs(os.path.join(root, "bin"))
    os.makedirs(os.path.join(root, "lib"))
    shutil.copy(os.path.join(REPO, "bootstrap"), os.path.join(root, "bootstrap"))
    os.symlink(args.aaa, os.path.join(root, "bin", "aaa"))
    return root, "bootstrap with the built binary (no zip found: run `make package`)"


def _error_of(inv):
    if inv.ok:
        return None
    e = inv.error or {}
    return f"{e.get('errorType') or inv.outcome}: {str(e.get('errorMessage', ''))[:120]}"


def _answer(inv):
    try:
        return json.loads(inv.response or b"null")
    except ValueError:
        return None


def _process_start(ctx, args, work):
    rows, cmds = [], []
    candidates = [("aaa", [args.aaa, "--version"])]
    for cls in (Uacme, Lego, Certbot):
        if shutil.which(cls.binary):
            candidates.append((cls.name, list(cls.version_argv)))
    base = None
    for name, argv in candidates:
        res = [measure.run(argv, ctx.base_env(os.path.join(work, "home-version")),
                           os.path.join(work, f"version-{name}.log"), timeout=60)
               for _ in range(args.runs)]
        # Any exit status counts (uacme -V exits 2 by design); a timeout does not.
        ok = [r for r in res if not r.timed_out and r.maxrss_kb is not None]
        wall = measure.median(r.wall * 1000 for r in ok)
        rss = measure.median(r.maxrss_kb / 1024.0 for r in ok)
        if name == "aaa":
            base = wall
        note = f"peak RSS {rss:.1f} MB" if rss is not None else f"failed: {res[-1].log}"
        if ok and ok[-1].rc != 0:
            note += f" (exits {ok[-1].rc})"
        if wall is not None and base and name != "aaa":
            note += f"; {wall / base:.1f}× aaa"
        shown = " ".join([os.path.basename(argv[0])] + argv[1:])
        rows.append({"figure": f"process start: `{shown}` (exec to exit, median)",
                     "value": "–" if wall is None else f"{wall:.1f} ms", "note": note})
        cmds.append(" ".join(argv))
    return rows, cmds


def _colds(em, name, runs, outcomes):
    fn = em.functions[name]
    colds = []
    for _ in range(runs):
        fn.stop()
        inv = em.invoke(name, {"action": "ls"})
        outcomes.add(_error_of(inv) or "success")
        if fn.sandbox is not None and fn.sandbox.cold_start_ms is not None:
            colds.append(fn.sandbox.cold_start_ms)
    return colds


def _source_cold(em, args, env, work):
    """Cold start of the built binary with the host's libraries (bootstrap's
    source-tree branch), beside the zip's: what the packaging itself costs."""
    if not os.path.exists(args.zip):
        return None
    root = os.path.join(work, "lambda-task-source")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "bin"))
    os.makedirs(os.path.join(root, "lib"))
    shutil.copy(os.path.join(REPO, "bootstrap"), os.path.join(root, "bootstrap"))
    os.symlink(args.aaa, os.path.join(root, "bin", "aaa"))
    em.add_function("aaa-bench-source", os.path.join(root, "bootstrap"), env=env,
                    timeout=30.0, task_root=root)
    try:
        colds = _colds(em, "aaa-bench-source", args.runs, set())
    finally:
        em.functions["aaa-bench-source"].stop()
    cold = measure.median(colds)
    return None if cold is None else {
        "figure": "cold start of the built binary with the host's libraries (no zip)",
        "value": f"{cold:.1f} ms",
        "note": "the same bootstrap exec'ing bin/aaa directly; the difference from the "
                "zip's figure is what its bundled loader and libraries cost (or save)"}


def _cold_and_warm(em, args):
    outcomes = set()
    colds = _colds(em, FN, args.runs, outcomes)
    cold = measure.median(colds)
    warm_rt, warm_in = [], []
    for _ in range(max(20, 4 * args.runs)):
        t0 = time.monotonic()
        inv = em.invoke(FN, {"action": "ls"})
        warm_rt.append((time.monotonic() - t0) * 1000)
        if inv.duration_ms is not None and not inv.cold_start:
            warm_in.append(inv.duration_ms)
        outcomes.add(_error_of(inv) or "success")
    answered = "; ".join(sorted(outcomes))
    cold_item = {
        "figure": "cold start: exec to the first /next (median)",
        "value": "–" if cold is None else f"{cold:.1f} ms",
        "target": f"< {COLD_TARGET_MS:.0f} ms",
        "met": "–" if cold is None else ("yes" if cold < COLD_TARGET_MS else "no"),
    }
    warm_item = {
        "figure": f'warm invocation {{"action":"ls"}}, Invoke round trip (median of {len(warm_rt)})',
        "value": f"{measure.median(warm_rt):.1f} ms",
        "note": (f"the runtime's share (/next to answer) {measure.median(warm_in):.2f} ms; "
                 f"answered: {answered}") if warm_in else f"answered: {answered}",
    }
    return cold_item, warm_item, colds


def _zip_item(args):
    if not os.path.exists(args.zip):
        return {"figure": "Lambda zip size", "value": "pending: `make package` (no zip)",
                "target": "< 5 MB", "met": "–"}
    size = os.path.getsize(args.zip)
    return {"figure": "Lambda zip size", "value": f"{size / 1024 / 1024:.2f} MB ({size} bytes)",
            "target": "< 5 MB", "met": "yes" if size < ZIP_TARGET else "no"}


def _issuance_rss(em, stack, ctx, args, work, log):
    """Peak RSS of a 5-name issuance in a fresh sandbox (executor `cert`)."""
    item = {"figure": "peak RSS, 5-name issuance in the runtime (executor `cert`)",
            "target": f"< {RSS_TARGET_MB:.0f} MB"}
    fn = em.functions[FN]
    env = ctx.base_env(os.path.join(work, "home-lambda-reg"))
    env.update(fn.env)
    env.update({"HOME": os.path.join(work, "home-lambda-reg")})
    reg = measure.run([args.aaa, "reg", "--email", EMAIL, "--agree"], env,
                      os.path.join(work, "lambda-reg.log"), timeout=ctx.timeout)
    if not reg.ok:
        item.update(value=f"pending: `aaa reg` for the runtime's store (exit {reg.rc}, "
                          f"see {reg.log})", met="–")
        return item
    names = [f"lambda-5n-{i}.bench.test" for i in range(5)]
    fn.stop()
    inv = em.invoke(FN, {"action": "cert", "names": names, "create_key": True,
                         "key_type": "ec256"})
    answer = _answer(inv)
    sb = fn.sandbox
    st = {}
    try:
        with open(f"/proc/{sb.proc.pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmHWM", "RssAnon", "RssFile", "RssShmem"):
                    st[k] = int(v.split()[0]) / 1024.0
    except (OSError, AttributeError, ValueError, IndexError):
        pass
    hwm = st.get("VmHWM")
    done = inv.ok and isinstance(answer, dict) and answer.get("state") in ("done", "deployed",
                                                                           "stored")
    if not done:
        why = _error_of(inv) or f"answered {json.dumps(answer)[:120]}"
        item.update(value=f"pending: executor `cert` action ({why})", met="–")
    elif hwm is None:
        item.update(value="pending: could not read the sandbox's VmHWM", met="–")
    else:
        # Where the resident memory is after the issuance: file-backed pages are
        # mostly the shared libraries' code, anonymous pages the process's own heap.
        split = ""
        if "RssAnon" in st and "RssFile" in st:
            split = (f"; resident after it: {st['RssAnon']:.1f} MB anonymous, "
                     f"{st['RssFile']:.1f} MB file-backed (libraries)")
        item.update(value=f"{hwm:.1f} MB (the invocation took {inv.duration_ms:.0f} ms{split})",
                    met="yes" if hwm < RSS_TARGET_MB else "no")
    log(f"bench: runtime 5-name issuance: {item['value']}")
    return item


SCHED_CERTS = 10000
SCHED_DUE = 10
SCHED_CPU_TARGET = 1.0
SCHED_REQ_TARGET = 20


def _rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _seed_index(stack, bucket, kms_key, n, due):
    """index.json with n synthetic certificates, `due` of them due now, written the way
    aaa writes it (SSE-KMS) straight into moto: {"version":1,"certs":{name: entry}}."""
    now = int(time.time())
    certs = {}
    for i in range(n):
        is_due = i < due
        certs[f"c{i:05d}.bench.test"] = {
            "not_before": _rfc3339(now - 30 * 86400),
            "not_after": _rfc3339(now + (20 if is_due else 60) * 86400 + i),
            "renew_after": _rfc3339(now - 3600 if is_due else now + 30 * 86400 + i),
            "serial": f"{i + 1:016x}", "failures": 0, "revoked": False}
    body = json.dumps({"version": 1, "certs": certs}).encode()
    stack.aws.direct_client("s3").put_object(
        Bucket=bucket, Key="aaa-data/v1/index.json", Body=body,
        ServerSideEncryption="aws:kms", SSEKMSKeyId=kms_key)
    return len(body)


def _proc_cpu_s(pid):
    """CPU seconds of a live process so far: schedstat's nanoseconds when the kernel
    has them (stat's user + system ticks are only 10 ms apart)."""
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _scheduler_item(stack, env, root, work, log):
    """A scheduler pass over SCHED_CERTS certificates in S3 (moto), in a fresh sandbox:
    CPU of the process (start-up included), the pass's wall time, the AWS requests it
    made; its executor invocations go to a sink function that exits at once."""
    item = {"figure": f"scheduler pass over {SCHED_CERTS:,} stored certificates "
                      "(CPU, wall, AWS requests)",
            "target": f"< {SCHED_CPU_TARGET:.0f} s CPU, < {SCHED_REQ_TARGET} AWS requests "
                      "besides the invokes"}
    bucket = stack.aws.create_bucket("aaa-bench-scheduler")
    key = stack.aws.create_kms_key(alias="aaa-bench-scheduler")
    size = _seed_index(stack, bucket, key["arn"], SCHED_CERTS, SCHED_DUE)
    sink = os.path.join(work, "sink-bootstrap")
    with open(sink, "w") as f:
        f.write("#!/bin/sh\nexit 0\n")
    os.chmod(sink, 0o755)
    senv = dict(env)
    senv.update({"AAA_STORE": f"s3://{bucket}", "AAA_S3_KMS_KEY": key["arn"],
                 "AAA_EXECUTOR_FUNCTION": "aaa-bench-sink"})
    em = emulator.LambdaEmulator(async_retries=0).start()
    try:
        em.add_function("aaa-bench-sink", sink, env={}, timeout=5.0, concurrency=1,
                        task_root=work)
        fn = em.add_function("aaa-bench-scheduler", os.path.join(root, "bootstrap"),
                             env=senv, timeout=60.0, handler="scheduler", task_root=root)
        event = {
            "version": "0", "id": "bench", "detail-type": "Scheduled Event",
            "source": "aws.events", "account": emulator.ACCOUNT, "time": _rfc3339(time.time()),
            "region": "us-east-1", "detail": {},
            "resources": [f"arn:aws:events:us-east-1:{emulator.ACCOUNT}:rule/aaa-renewals"]}
        stack.aws.proxy.reset_stats()
        inv = em.invoke("aaa-bench-scheduler", event)
        aws = stack.aws.proxy.stats()
        answer = _answer(inv)
        cpu = warm_cpu = warm = None
        try:
            cpu = _proc_cpu_s(fn.sandbox.proc.pid)
        except (OSError, AttributeError, ValueError, IndexError):
            pass
        invokes = len(em.invoke_requests)
        if inv.ok and cpu is not None:
            # A second pass in the same (now warm) sandbox: the pass's own CPU.
            warm = em.invoke("aaa-bench-scheduler", event)
            try:
                warm_cpu = _proc_cpu_s(fn.sandbox.proc.pid) - cpu
            except (OSError, AttributeError, ValueError, IndexError):
                warm_cpu = None
    finally:
        em.stop()
    if not inv.ok or not isinstance(answer, dict):
        item.update(value=f"pending: scheduler handler ({_error_of(inv) or answer})", met="–")
        return item
    checked, renewing = answer.get("checked"), len(answer.get("renewing") or [])
    if checked != SCHED_CERTS or renewing != SCHED_DUE or cpu is None:
        item.update(value=f"unexpected answer: checked {checked}, renewing {renewing} "
                          f"(seeded {SCHED_CERTS}, {SCHED_DUE} due); CPU {cpu}", met="no")
        return item
    by = ", ".join(f"{k} {v}" for k, v in sorted(aws["by_action"].items()))
    again = ""
    if warm is not None and warm.ok and warm_cpu is not None:
        again = (f"; a second, warm pass: {warm_cpu:.3f} s CPU, "
                 f"{warm.duration_ms:.0f} ms wall")
    item.update(value=f"{cpu:.3f} s CPU (cold, start-up included), {inv.duration_ms:.0f} ms "
                      f"wall, {aws['total']} AWS requests ({by}) + {invokes} invokes for "
                      f"{renewing} due; index.json {size / 1024 / 1024:.1f} MB{again}",
                met="yes" if cpu < SCHED_CPU_TARGET and aws["total"] < SCHED_REQ_TARGET
                else "no")
    log(f"bench: scheduler pass: {item['value']}")
    return item


def _slack_request(text, ts):
    body = urllib.parse.urlencode({
        "token": "x", "team_id": "T0BENCH", "team_domain": "bench", "channel_id": "C0BENCH",
        "channel_name": "bench", "user_id": "U0BENCH", "user_name": "bench",
        "command": "/cert", "text": text, "response_url": "http://127.0.0.1:9/unused",
        "trigger_id": "1.2.3"}).encode()
    base = b"v0:" + str(ts).encode() + b":" + body
    sig = "v0=" + hmac.new(SLACK_SECRET.encode(), base, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": sig}
    return emulator.api_gateway_event("POST", "/slack", headers, body)


def _dispatcher_item(em, args):
    item = {"figure": f"dispatcher p50/p99 over {args.slack_requests} Slack requests "
                      "(Invoke round trip, warm)",
            "target": "answer within Slack's 3 s"}
    text = os.environ.get("BENCH_SLACK_TEXT", "help")
    inv = em.invoke("aaa-bench-dispatcher", _slack_request(text, int(time.time())))
    answer = _answer(inv)
    if not inv.ok or not isinstance(answer, dict) or answer.get("statusCode") != 200:
        why = _error_of(inv) or f"answered {json.dumps(answer)[:120]}"
        item.update(value=f"pending: dispatcher handler ({why})", met="–")
        return item
    times, inside, bad = [], [], 0
    for _ in range(args.slack_requests):
        ev = _slack_request(text, int(time.time()))
        t0 = time.monotonic()
        inv = em.invoke("aaa-bench-dispatcher", ev)
        times.append((time.monotonic() - t0) * 1000)
        if inv.duration_ms is not None:
            inside.append(inv.duration_ms)
        answer = _answer(inv)
        if not inv.ok or not isinstance(answer, dict) or answer.get("statusCode") != 200:
            bad += 1
    p50, p99 = measure.percentile(times, 50), measure.percentile(times, 99)
    value = f"{p50:.1f} ms / {p99:.1f} ms"
    if inside:
        value += (f" (the runtime's share {measure.percentile(inside, 50):.2f} / "
                  f"{measure.percentile(inside, 99):.2f} ms)")
    if bad:
        value += f"; {bad} answers were not 200"
    item.update(value=value, met="yes" if p99 < 3000 and not bad else "no")
    return item


def run_all(stack, ctx, args, work, log=print):
    """Every Lambda figure; returns the dict results.py renders."""
    out = {"commands": []}
    rows, cmds = _process_start(ctx, args, work)
    out["process_start"] = rows
    out["commands"] += cmds
    out["zip"] = _zip_item(args)
    root, what = _task_root(args, work)
    store = os.path.join(work, "lambda-store")
    os.makedirs(store, mode=0o700, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k in PASS_ENV and k != "PATH"}
    env.update(stack.aws.env())
    env.update({"AAA_STORE": "file://" + store, "AAA_DIRECTORY": ctx.directory,
                "AAA_CA_BUNDLE": ctx.ca_bundle, "AAA_EMAIL": EMAIL,
                "AWS_EC2_METADATA_DISABLED": "true"})
    kms = stack.aws.direct_client("kms")
    key = stack.aws.create_kms_key(alias="aaa-bench-slack")
    blob = kms.encrypt(KeyId=key["key_id"], Plaintext=SLACK_SECRET.encode())["CiphertextBlob"]
    em = emulator.LambdaEmulator().start()
    try:
        bootstrap = os.path.join(root, "bootstrap")
        em.add_function(FN, bootstrap, env=env, timeout=max(60.0, ctx.timeout), task_root=root)
        slack_env = dict(env)
        slack_env.update({"AAA_SLACK_SIGNING_SECRET": base64.b64encode(blob).decode(),
                          "AAA_ALLOWED_DOMAINS": "*.bench.test",
                          "AAA_EXECUTOR_FUNCTION": FN})
        em.add_function("aaa-bench-dispatcher", bootstrap, env=slack_env, timeout=30.0,
                        handler="dispatcher", task_root=root)
        log("bench: Lambda cold and warm starts")
        out["cold_start"], out["warm"], out["cold_samples_ms"] = _cold_and_warm(em, args)
        out["cold_source"] = _source_cold(em, args, env, work)
        out["issuance_rss"] = _issuance_rss(em, stack, ctx, args, work, log)
        out["scheduler"] = _scheduler_item(stack, env, root, work, log)
        out["dispatcher"] = _dispatcher_item(em, args)
    finally:
        em.stop()
    out["intro"] = (f"Run under the project's Lambda emulator with {what}; the handlers "
                    "answer through the real Runtime API loop. Peer rows are their "
                    "process start, the nearest thing they have to a cold start.")
    out["commands"] += [f"(emulator) invoke {FN} " + json.dumps({"action": "ls"}),
                        f"(emulator) invoke {FN} " + json.dumps(
                            {"action": "cert", "names": ["lambda-5n-0.bench.test", "..."],
                             "create_key": True, "key_type": "ec256"})]
    return out
