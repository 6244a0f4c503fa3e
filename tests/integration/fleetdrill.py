"""The fleet drill: N stored certificates due at once, renewed by the real scheduler
and executor in the Lambda emulator, with Route53 held to its account-wide limit.

Shared by tests/integration/test_fleet_drill.py (make test) and bench/fleet.py
(make bench). Everything is real: the `bootstrap` and the binary in emulated
sandboxes (their own processes, a function timeout that kills them, async
invokes that start at once up to the reserved concurrency), pebble as the CA,
moto as S3 (SSE-KMS store) and Route53 behind the SigV4-checking proxy, whose
`ratelimit` fault answers Route53's `Throttling` beyond `r53_rate` requests/s.

Set-up, outside what is measured:
  * a bucket, a KMS key and two public hosted zones;
  * an account (`aaa reg`) and N certificates issued with the CLI, several at a
    time, with no rate limit (issuing them is not the drill, renewing them is).
    Among them apex + wildcard pairs (`pK.zone` and `*.pK.zone`, two separate
    certificates sharing `_acme-challenge.pK.zone`), split over both zones;
  * every certificate made due as time would: its `renew_after` moved into the
    past in meta.json and in the index (the stored objects are rewritten in
    moto directly, with the store's KMS key, so the store's checks still pass).

The drill: scheduler passes (a synchronous invocation of the scheduler function,
then wait until every executor invocation it started, and every self-invoked
resume, has ended) until a pass starts nothing and defers nothing, at most
`max_passes`.

What it gives back (Result): the passes and what each started, the serials
before and after, the jobs the drill made and their states, the TXT records
left in each zone, the index entries, the CA's newOrder count, Route53's rate
rule (max_in_window), AWS requests and bytes by service, executor invocations
and their GB-seconds.
"""

import concurrent.futures
import datetime
import importlib
import json
import os
import subprocess
import threading
import time
import uuid

emulator = importlib.import_module("tests.integration.lambda.emulator")
storeindex = importlib.import_module("tests.integration.stack.storeindex")

PREFIX = "aaa-data/v1/"


def wildcard_segment(name):
    return "_wildcard_." + name[2:] if name.startswith("*.") else name


def fleet_names(n, zones, pairs):
    """n certificate names over zones: `pairs` apex + wildcard pairs, the rest single
    names, alternating zones. Returns a list of names."""
    names = []
    tag = uuid.uuid4().hex[:4]
    for k in range(pairs):
        z = zones[k % len(zones)]
        base = f"p{k}-{tag}.{z}"
        names += [base, f"*.{base}"]
    k = 0
    while len(names) < n:
        z = zones[k % len(zones)]
        names.append(f"c{k}-{tag}.{z}")
        k += 1
    return names[:n]


class Drill:
    """One fleet: its AWS resources, its certificates, its emulator."""

    def __init__(self, stack, aaa_bin, task_root, n, pairs=None, concurrency=40,
                 exec_timeout=20.0, sched_timeout=60.0, r53_rate=5.0, r53_burst=None,
                 memory=512, budget=None, seed_workers=8, max_passes=None, extra_env=None,
                 doomed=0, log=None, pebble=None):
        self.stack = stack
        self.aws = stack.aws
        # another CA than the session's (e.g. without authorization reuse)
        self.pebble = pebble or stack.pebble
        self.aaa_bin = aaa_bin
        self.task_root = str(task_root)
        self.n = n
        self.pairs = n // 10 if pairs is None else pairs
        self.concurrency = concurrency
        self.exec_timeout = exec_timeout
        self.sched_timeout = sched_timeout
        self.r53_rate = r53_rate
        self.r53_burst = r53_rate if r53_burst is None else r53_burst
        self.memory = memory
        self.budget = budget
        self.seed_workers = seed_workers
        self.max_passes = max_passes
        self.extra_env = dict(extra_env or {})
        self.doomed = doomed  # certificates in a third zone that a test deletes
        self.doomed_names = []
        self.doomed_zone = None
        self.deleted_zones = {}
        self.log = log or (lambda msg: None)
        self.tag = uuid.uuid4().hex[:8]
        self.zones = {}  # name -> id
        self.names = []
        self.serials_before = {}
        self.jobs_before = set()
        self.emu = None
        self.rule = None
        self.stopping = threading.Event()  # set when the passes are over

    # -- set-up -----------------------------------------------------------------

    def env(self, home):
        e = self.stack.aaa_env(home, pebble=self.pebble)
        e["AAA_S3_BUCKET"] = self.bucket
        e["AAA_S3_KMS_KEY"] = self.kms_arn
        return e

    def aaa(self, *args, timeout=120):
        return subprocess.run([self.aaa_bin, *args], env=self.cli_env, capture_output=True,
                              text=True, timeout=timeout)

    def setup(self, home):
        os.makedirs(home, exist_ok=True)
        self.bucket = self.aws.create_bucket(f"aaa-fleet-{self.tag}")
        key = self.aws.create_kms_key(alias=f"aaa-fleet-{self.tag}")
        self.kms_arn = key["arn"]
        for i in range(2):
            z = f"f{i}{self.tag}.example.test"
            self.zones[z] = self.aws.create_zone(z)
        self.cli_env = self.env(home)
        self.s3 = self.aws.direct_client("s3")
        reg = self.aaa("reg", "--email", "fleet@example.test", "--agree")
        assert reg.returncode == 0, reg.stderr
        self.names = fleet_names(self.n, list(self.zones), self.pairs)
        if self.doomed:
            self.doomed_zone = f"g{self.tag}.example.test"
            self.zones[self.doomed_zone] = self.aws.create_zone(self.doomed_zone)
            self.doomed_names = [f"d{k}.{self.doomed_zone}" for k in range(self.doomed)]
            self.names += self.doomed_names
        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(self.seed_workers) as pool:
            runs = list(pool.map(lambda nm: self.aaa("cert", "--cn", nm, timeout=300),
                                 self.names))
        bad = [(nm, p.stderr[-400:]) for nm, p in zip(self.names, runs) if p.returncode]
        assert not bad, f"seeding failed for {len(bad)}: {bad[:3]}"
        self.log(f"fleet: {len(self.names)} certificates issued in {time.monotonic() - t0:.1f} s")
        self.serials_before = {nm: self.meta(nm)["serial"] for nm in self.names}
        self.jobs_before = set(self.job_keys())
        self.make_due()

    # -- the store, read and written in moto directly -----------------------------

    def _get(self, key):
        return self.s3.get_object(Bucket=self.bucket, Key=PREFIX + key)["Body"].read()

    def _put(self, key, body):
        self.s3.put_object(Bucket=self.bucket, Key=PREFIX + key, Body=body,
                           ServerSideEncryption="aws:kms", SSEKMSKeyId=self.kms_arn)

    def _list(self, prefix):
        out, kw = [], {}
        while True:
            r = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=PREFIX + prefix, **kw)
            out += [o["Key"][len(PREFIX):] for o in r.get("Contents", [])]
            if not r.get("IsTruncated"):
                return out
            kw["ContinuationToken"] = r["NextContinuationToken"]

    def meta(self, name):
        return json.loads(self._get(f"certs/{wildcard_segment(name)}/meta.json"))

    def index(self):
        """name -> index entry, as the scheduler would read it: index.json with the
        changes under index.d/ not folded yet."""
        changes = [json.loads(self._get(k)) for k in self._list("index.d/")]
        return storeindex.merge(json.loads(self._get("index.json")), changes)["certs"]

    def job_keys(self):
        return [k for k in self._list("jobs/") if k.endswith(".json")]

    def jobs(self):
        """The jobs the drill made (not the seeding's): list of documents."""
        return [json.loads(self._get(k)) for k in self.job_keys() if k not in self.jobs_before]

    def make_due(self, when="2020-01-01T00:00:00Z"):
        """renew_after in the past, in meta.json and in the index, as time would."""
        for nm in self.names:
            key = f"certs/{wildcard_segment(nm)}/meta.json"
            m = json.loads(self._get(key))
            m["renew_after"] = when
            self._put(key, json.dumps(m).encode())
        idx = self.index()
        for nm in self.names:
            # one index change per certificate, as a writer records it
            entry = dict(idx[nm], renew_after=when)
            entry.pop("seq", None)
            key, body = storeindex.change_doc(nm, entry)
            self._put(key, json.dumps(body).encode())

    def delete_zone(self, zone):
        """Deletes a hosted zone as an operator would: its records other than SOA and NS
        first (Route53 refuses to delete a zone with any), then the zone. Straight to
        moto, so it neither counts against nor waits for the rate limit."""
        zid = self.zones[zone]
        r53 = self.aws.direct_client("route53")
        removed = 0
        for _ in range(50):
            # an executor may write a record between the two steps: again, then
            changes = [{"Action": "DELETE", "ResourceRecordSet": rs}
                       for rs in self.aws.records(zid) if rs["Type"] not in ("SOA", "NS")]
            try:
                if changes:
                    r53.change_resource_record_sets(HostedZoneId=zid,
                                                    ChangeBatch={"Changes": changes})
                    removed += len(changes)
                r53.delete_hosted_zone(Id=zid)
                break
            except r53.exceptions.ClientError as exc:
                self.log(f"fleet: deleting zone {zone}: {exc}; again")
                time.sleep(0.1)
        else:
            raise AssertionError(f"zone {zone} could not be deleted")
        del self.zones[zone]
        self.deleted_zones[zone] = zid
        self.log(f"fleet: zone {zone} deleted ({removed} record sets first)")

    def due(self):
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        idx = self.index()
        return [nm for nm in self.names if nm in idx and
                (idx[nm].get("revoked") or (idx[nm].get("renew_after") or "9") <= now)]

    # -- the drill ------------------------------------------------------------------

    def start_emulator(self, home):
        env = self.env(home)
        env.pop("HOME", None)
        env.update(self.extra_env)
        self.emu = emulator.LambdaEmulator(retry_delays=(0.2, 0.4)).start()
        boot = os.path.join(self.task_root, "bootstrap")
        self.emu.add_function("executor", boot, env=env, timeout=self.exec_timeout,
                              memory=self.memory, handler="executor",
                              concurrency=self.concurrency)
        senv = dict(env, AAA_EXECUTOR_FUNCTION="executor")
        if self.budget:
            senv["AAA_RENEW_BUDGET"] = str(self.budget)
        self.emu.add_function("scheduler", boot, env=senv, timeout=self.sched_timeout,
                              memory=256, handler="scheduler")
        return self.emu

    def run(self, home, wait_timeout=900, pass_interval=0.0, during=None, faults=(),
            idle_wait=2.0):
        """Scheduler passes until nothing is due; returns a Result.

        pass_interval: at least this many seconds from one pass's start to the next
        (as a schedule would space them; 0: the next once the last one's executors
        are idle; after a pass that deferred everything, idle_wait). during(drill): run in a thread while the passes run (a fault).
        faults: more proxy rules for AWS, after Route53's rate limit (so what they
        let through has been counted against it)."""
        max_passes = self.max_passes or (self.n // max(1, self.budget or 20) + 4)
        self.start_emulator(home)
        self.aws.proxy.reset_stats()
        self.pebble.proxy.reset_stats()
        self.rule = self.aws.proxy.faults.add(dict(fault="ratelimit", service="route53",
                                                   rate=self.r53_rate, burst=self.r53_burst))
        for f in faults:
            self.aws.proxy.faults.add(f)
        passes = []
        t0 = time.monotonic()
        t_last = t0
        side = None
        if during is not None:
            side = threading.Thread(target=during, args=(self,), daemon=True)
            side.start()
        try:
            for k in range(max_passes):
                wait = t0 + k * pass_interval - time.monotonic()
                if k and wait > 0:
                    time.sleep(wait)
                event = {"version": "0", "id": str(uuid.uuid4()),
                         "detail-type": "Scheduled Event", "source": "aws.events",
                         "detail": {}}
                inv = self.emu.invoke("scheduler", event)
                out = json.loads(inv.result_body()) if inv.ok else {"error": inv.error}
                passes.append(out)
                self.emu.wait_idle(timeout=wait_timeout)
                t_last = time.monotonic()
                started = started_by(out)
                self.log(f"fleet: pass {len(passes)}: started {started}, "
                         f"{len(self.due())} due after it, "
                         f"{t_last - t0:.1f} s since the first pass")
                deferred = out.get("deferred")
                deferred = len(deferred) if isinstance(deferred, list) else 0
                if not inv.ok or (started == 0 and deferred == 0):
                    break
                if started == 0:
                    # all deferred (the CA's pause): the next pass a little later
                    time.sleep(idle_wait)
        finally:
            self.stopping.set()
            if side is not None:
                side.join(timeout=60)
            self.aws.proxy.faults.clear()
            self.emu.stop()
        return Result(self, passes, t_last - t0)

    def wait_job(self, pred, timeout=90.0):
        """The first job document (of this drill) for which pred(job) holds, polled."""
        end = time.monotonic() + timeout
        while time.monotonic() < end and not self.stopping.is_set():
            for j in self.jobs():
                if pred(j):
                    return j
            time.sleep(0.1)
        return None

    def executor_status(self, home, name):
        """The executor's answer to {"action": "status", "name": name}."""
        env = self.env(home)
        env.pop("HOME", None)
        with emulator.LambdaEmulator() as emu:
            emu.add_function("executor", os.path.join(self.task_root, "bootstrap"), env=env,
                             timeout=60, handler="executor")
            inv = emu.invoke("executor", {"action": "status", "name": name})
            return json.loads(inv.result_body())


def started_by(out):
    """How many certificates a scheduler pass handed to executors."""
    n = 0
    for k in ("renewing", "redeploying"):
        v = out.get(k)
        if isinstance(v, list):
            n += len(v)
    return n


def max_concurrent(invs):
    """The most invocations that ran at once (from /next handing one out to its end)."""
    ev = []
    for i in invs:
        if i.taken_at is not None and i.duration_ms is not None:
            ev += [(i.taken_at, 1), (i.taken_at + i.duration_ms / 1000.0, -1)]
    best = cur = 0
    for _, d in sorted(ev, key=lambda e: (e[0], e[1])):
        cur += d
        best = max(best, cur)
    return best


class Result:
    def __init__(self, drill, passes, wall_s):
        d = drill
        self.passes = passes
        self.wall_s = wall_s
        self.names = d.names
        self.index = d.index()
        self.serials_after = {nm: d.meta(nm)["serial"] for nm in d.names}
        self.not_renewed = [nm for nm in d.names
                            if self.serials_after[nm] == d.serials_before[nm]]
        self.jobs = d.jobs()
        self.failed_jobs = [j for j in self.jobs if j.get("state") == "failed"]
        self.failed_names = sorted({nm for j in self.failed_jobs for nm in j.get("names", [])})
        self.unfinished_jobs = [j for j in self.jobs if j.get("state") != "done"]
        self.txt_left = {z: d.aws.records(zid, "TXT") for z, zid in d.zones.items()}
        self.lost_index = [nm for nm in d.names if nm not in self.index]
        self.stale_index = [nm for nm in d.names if nm in self.index and
                            self.index[nm].get("serial") != self.serials_after[nm]]
        self.due_after = d.due()
        ps = d.pebble.proxy.stats()
        self.ca = ps
        self.new_orders = ps["by_action"].get("acme:newOrder", 0)
        aws = d.aws.proxy.stats()
        self.aws = aws
        self.rule = d.rule.as_dict()
        self.r53_max_1s = d.rule.max_in_window(1.0)
        invs = [i for i in d.emu.invocations if i.function == "executor"]
        self.exec_invocations = len(invs)
        self.exec_outcomes = {}
        for i in invs:
            self.exec_outcomes[i.outcome] = self.exec_outcomes.get(i.outcome, 0) + 1
        self.exec_gb_s = sum((i.duration_ms or 0) / 1000.0 for i in invs) * d.memory / 1024.0
        self.exec_max_concurrent = max_concurrent(invs)
        self.sched_invocations = len([i for i in d.emu.invocations if i.function == "scheduler"])

    def per_cert(self):
        n = len(self.names)
        by = self.aws["by_service"]
        byb = self.aws.get("bytes_by_service", {})
        s3b = byb.get("s3", {"in": 0, "out": 0})
        return {
            "certificates": n,
            "passes": len(self.passes),
            "wall_s": round(self.wall_s, 1),
            "route53_requests": round(by.get("route53", 0) / n, 2),
            "route53_passed": round(self.rule["passed"] / n, 2),
            "route53_throttled": round(self.rule["fired"] / n, 2),
            "s3_requests": round(by.get("s3", 0) / n, 2),
            "s3_bytes": round((s3b["in"] + s3b["out"]) / n),
            "kms_requests": round(by.get("kms", 0) / n, 2),
            "ca_requests": round(self.ca["total"] / n, 2),
            "executor_invocations": round(self.exec_invocations / n, 2),
            "executor_gb_s": round(self.exec_gb_s / n, 3),
            "executor_max_concurrent": self.exec_max_concurrent,
        }

    def summary(self):
        return {
            "per_certificate": self.per_cert(),
            "not_renewed": len(self.not_renewed),
            "failed_jobs": len(self.failed_jobs),
            "failed_job_errors": [(j.get("names"), j.get("error"))
                                  for j in self.failed_jobs[:10]],
            "unfinished_jobs": len(self.unfinished_jobs),
            "new_orders": self.new_orders,
            "txt_left": {z: len(v) for z, v in self.txt_left.items()},
            "index_lost": len(self.lost_index),
            "index_stale": len(self.stale_index),
            "due_after": len(self.due_after),
            "route53_max_in_1s": self.r53_max_1s,
            "route53_rule": {k: self.rule[k] for k in ("rate", "burst", "passed", "fired")},
            "executor_outcomes": self.exec_outcomes,
            "passes": [{k: (len(v) if isinstance(v, list) else v) for k, v in p.items()}
                       for p in self.passes],
        }
