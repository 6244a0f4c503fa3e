"""Part 3 of the bench: issuance under realistic latencies, against the floor.

The first part measures a CA that validates at once and DNS that is in sync at
once, where clients differ least. Here, on the same stack:

  * Route53 holds every change PENDING for `pending_s` (30 s) after it was
    submitted: the verifying proxy's `pending` rule rewrites GetChange's INSYNC
    (each change gets an id of its own, as on Route53);
  * the CA validates `validation_s` (1.5 s) after a challenge answer: the DNS
    server pebble's VA asks answers a question for an _acme-challenge TXT name
    that long after it came, its own lookup included. It cannot be much longer
    this way: pebble's DNS client gives up after 2 s (1.8 s plus a slow lookup
    on a loaded machine already failed some). pebble's own PEBBLE_VA_SLEEPTIME draws a random whole number of
    seconds per challenge, 0 included, which would give every run a different
    floor;
  * 1, 5 and 20 names, split over two zones (two Route53 changes to wait for).

aaa publishes through its own Route53 client (one batch per zone, one wait for
all, one validation round). The peers publish through their hooks and the TXT
door, which in this mode writes through the same proxy and answers `present`
only once the change is INSYNC, polling every 0.25 s: a hook sees one name at a
time, so it waits once per name, as lego's own route53 provider does too.

The floor of one issuance: the INSYNC wait + one validation round + the round
trips no client can avoid, one after the other (directory, nonce, newOrder, N
authorizations, ListHostedZones, one change per zone; the wait; one GetChange
per zone, N challenge answers; the validation; an order poll, finalize, an
order poll, the certificate): 8 + 2N + 2Z round trips, each the median time the
proxies saw for aaa's requests in this part.

aaa runs first, one issuance at a time, so its CA and Route53 requests can be
counted; then the peers run all at once (every size of every peer side by side:
their time is waiting, and one after the other they would take 40 minutes).
"""

import os
import statistics
import threading
import time

from . import clients as clients_mod
from . import measure
from .issuance import check_cert
from .txtdoor import TxtDoor

ZONES = ("bench-a.test", "bench-b.test")
PENDING_S = 30.0
VALIDATION_S = 1.5
SIZES = (1, 5, 20)


def names_for(client, size, zones=ZONES):
    """size names alternating over the zones (the first in the first zone)."""
    return [f"{client}-rl{size}-{i}.{zones[i % len(zones)]}" for i in range(size)]


def floor_s(size, pending_s, validation_s, rtt_s, zones=len(ZONES)):
    z = min(size, zones)
    return pending_s + validation_s + (8 + 2 * size + 2 * z) * rtt_s


class RealisticBench:
    """Runs part 3 on a started Stack. Results in .results (see run())."""

    def __init__(self, stack, base_ctx, client_names, sizes=SIZES, pending_s=PENDING_S,
                 validation_s=VALIDATION_S, extra_zones=None, log=print):
        self.stack = stack
        self.extra_zones = dict(extra_zones or {})
        self.base_ctx = base_ctx
        self.client_names = [c for c in client_names if c != "aaa-lambda"]
        self.sizes = list(sizes)
        self.pending_s = pending_s
        self.validation_s = validation_s
        self.log = log
        self.door = None
        self.clients = {}
        self.unavailable = {}
        self.commands = {}
        self.results = {}
        self.issuer = None

    # -- set-up -----------------------------------------------------------------

    def _ctx(self, door_port, sub):
        c = self.base_ctx
        work = os.path.join(c.work, "realistic", sub)
        os.makedirs(work, exist_ok=True)
        longest = max(self.sizes) * (self.pending_s + self.validation_s + 10) + 120
        return clients_mod.Ctx(work=work, directory=c.directory, ca_bundle=c.ca_bundle,
                               dns_address=c.dns_address, door_port=door_port,
                               aws_env=c.aws_env, aaa_bin=c.aaa_bin, timeout=longest,
                               aaa_lambda_bin=None)

    def setup(self):
        from cryptography import x509

        inter = x509.load_pem_x509_certificate(self.stack.pebble.intermediate_pem().encode())
        self.issuer = inter.subject.public_bytes()
        aws = self.stack.aws
        zones = {z: aws.create_zone(z) for z in ZONES}
        zones.update(self.extra_zones)  # lego's set-up issuance uses the first part's zone
        self.door = TxtDoor(self.stack.moto.url, zones, aws_url=aws.proxy.url).start()
        # aaa: one client, one issuance at a time. A peer: one client per size, each
        # with its own state (certbot allows one instance per configuration folder).
        for name in self.client_names:
            for size in ([None] if name == "aaa" else self.sizes):
                ctx = self._ctx(self.door.port, "all" if size is None else f"{size}n")
                c = clients_mod.ALL[name](ctx)
                c.env["BENCH_DOOR_TIMEOUT"] = str(int(ctx.timeout))
                try:
                    c.check()
                    self.log(f"bench: realistic: setting up {name}"
                             + ("" if size is None else f" for {size} name(s)"))
                    # Registration runs before the latencies are switched on.
                    c.setup(lambda argv, env, log: measure.run(argv, env, log, timeout=120))
                except clients_mod.Unavailable as exc:
                    self.unavailable[name] = str(exc)
                    break
                self.clients[(name, size)] = c
        self.ctx = ctx

    def _latencies(self, on):
        proxy = self.stack.aws.proxy
        if on:
            proxy.forget_changes()
            proxy.faults.add(fault="pending", service="route53", seconds=self.pending_s,
                             count=None, name="bench-realistic")
            self.stack.dns.challenge_txt_delay_s = self.validation_s
        else:
            proxy.faults.clear()
            self.stack.dns.challenge_txt_delay_s = 0.0

    # -- runs -----------------------------------------------------------------------

    def _one(self, c, size, count):
        names = names_for(c.name, size)
        argv = c.issue_argv(names)
        acme_proxy, aws_proxy = self.stack.pebble.proxy, self.stack.aws.proxy
        if count:
            acme_proxy.reset_stats()
            aws_proxy.reset_stats()
        r = measure.run(argv, c.env, os.path.join(c.dir, f"realistic-{size}n.log"),
                        timeout=self.ctx.timeout)
        problem = None
        if r.timed_out:
            problem = f"timed out after {self.ctx.timeout:.0f} s"
        elif r.rc != 0:
            problem = f"exit {r.rc}"
        else:
            problem = check_cert(c.cert_file(names), names, self.issuer)
        entry = {"names": len(names), "ok": problem is None, "problem": problem,
                 "wall_s": r.wall, "cpu_s": r.cpu, "maxrss_kb": r.maxrss_kb, "log": r.log}
        if count:
            acme, aws = acme_proxy.stats(), aws_proxy.stats()
            entry.update(acme_requests=acme["total"], acme_by_action=acme["by_action"],
                         aws_requests=aws["total"], aws_by_action=aws["by_action"],
                         rtt_ms=[e.get("ms") for e in acme["requests"] + aws["requests"]
                                 if e.get("ms") is not None])
        self.commands.setdefault(c.name, {})[size] = argv
        self.results.setdefault(c.name, {})[size] = entry
        self.log(f"bench: realistic: {c.name:8s} {size:2d} name(s): {r.wall:.2f} s: "
                 + ("ok" if problem is None else f"FAILED ({problem}; log {r.log})"))

    def run(self):
        self._latencies(True)
        try:
            aaa = self.clients.get(("aaa", None))
            if aaa is not None:
                for size in self.sizes:
                    self._one(aaa, size, count=True)
            threads = [threading.Thread(target=self._one, args=(c, size, False), daemon=True)
                       for (name, size), c in self.clients.items() if name != "aaa"]
            for t in threads:
                t.start()
                time.sleep(0.2)  # not all in the same instant
            for t in threads:
                t.join()
        finally:
            self._latencies(False)
            if self.door is not None:
                self.door.stop()
        return self.summary()

    def summary(self):
        rtts = [ms for d in self.results.get("aaa", {}).values() for ms in d.get("rtt_ms", [])]
        rtt_s = statistics.median(rtts) / 1000.0 if rtts else 0.0
        return {
            "pending_s": self.pending_s, "validation_s": self.validation_s,
            "zones": list(ZONES), "sizes": self.sizes, "rtt_ms": round(rtt_s * 1000, 2),
            "floor_s": {str(n): round(floor_s(n, self.pending_s, self.validation_s, rtt_s), 3)
                        for n in self.sizes},
            "runs": {c: {str(n): e for n, e in d.items()} for c, d in self.results.items()},
            "unavailable": self.unavailable,
            "commands": {c: {str(k): v for k, v in d.items()} for c, d in self.commands.items()},
        }
