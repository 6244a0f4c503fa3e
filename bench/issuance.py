"""Part 1 of the bench: one issuance at a time, every client, 1 and N names.

For each run and size the clients take turns (the order rotates every run, so
a machine that slows down over time does not always hurt the same client).
Each issuance uses names no other run used, so no authorization can be reused
(pebble's PEBBLE_AUTHZREUSE is also set to 0). A run counts only when the
client exits 0 AND the certificate it wrote names exactly the asked names and
was issued by this pebble; anything else is recorded as a failed run with its
log, never timed.
"""

import os
import time

from cryptography import x509

from . import clients as clients_mod
from . import measure


def check_cert(path, names, issuer_der_name):
    """None when the PEM at path is pebble's certificate for exactly `names`, else why not."""
    if not path:
        return "no certificate file written"
    try:
        with open(path, "rb") as f:
            pem = f.read()
        end = b"-----END CERTIFICATE-----"
        cert = x509.load_pem_x509_certificate(pem[:pem.index(end) + len(end)])
    except (OSError, ValueError) as exc:
        return f"unreadable certificate {path}: {exc}"
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        got = sorted(n.lower() for n in san.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        got = []
    if got != sorted(n.lower() for n in names):
        return f"certificate names {got}, asked {sorted(names)}"
    if issuer_der_name is not None and cert.issuer.public_bytes() != issuer_der_name:
        return f"certificate issued by {cert.issuer.rfc4514_string()}, not this pebble"
    return None


def names_for(client, size, run, zone):
    return [f"{client}-{size}n-r{run}-{i}.{zone}" for i in range(size)]


class IssuanceBench:
    """Runs the side-by-side issuance. `stack` is a started tests.integration.stack.Stack."""

    def __init__(self, stack, ctx, client_names, sizes, runs, zone, log=print):
        self.stack = stack
        self.ctx = ctx
        self.sizes = sizes
        self.runs = runs
        self.zone = zone
        self.log = log
        self.clients = {}
        self.unavailable = {}
        self.versions = {}
        self.commands = {}
        self.results = {}  # client -> size -> [run dict]
        inter = x509.load_pem_x509_certificate(stack.pebble.intermediate_pem().encode())
        self.issuer = inter.subject.public_bytes()
        for name in client_names:
            c = clients_mod.ALL[name](ctx)
            try:
                c.check()
                self.versions[name] = c.version()
            except clients_mod.Unavailable as exc:
                self.unavailable[name] = str(exc)
                continue
            self.clients[name] = c

    def _run(self, argv, env, log):
        return measure.run(argv, env, log, timeout=self.ctx.timeout)

    def setup(self):
        """Register every client's account (untimed); a client that cannot is n/a."""
        for name, c in list(self.clients.items()):
            self.log(f"bench: setting up {name}")
            try:
                c.setup(self._run)
            except clients_mod.Unavailable as exc:
                self.unavailable[name] = str(exc)
                del self.clients[name]
                self.log(f"bench: {name}: {exc}")

    def one(self, c, size, run):
        names = names_for(c.name, size, run, self.zone)
        argv = c.issue_argv(names)
        pebble_proxy = self.stack.pebble.proxy
        aws_proxy = self.stack.aws.proxy
        pebble_proxy.reset_stats()
        aws_proxy.reset_stats()
        t_start = time.time()
        r = self._run(argv, c.env, os.path.join(c.dir, f"issue-{size}n-r{run}.log"))
        acme = pebble_proxy.stats()
        aws = aws_proxy.stats()
        problem = None
        if r.timed_out:
            problem = f"timed out after {self.ctx.timeout:.0f} s"
        elif r.rc != 0:
            problem = f"exit {r.rc}"
        else:
            problem = check_cert(c.cert_file(names), names, self.issuer)
        entry = {
            "run": run, "names": names, "ok": problem is None, "problem": problem,
            "wall_s": r.wall, "cpu_s": r.cpu, "maxrss_kb": r.maxrss_kb,
            "acme_requests": acme["total"], "acme_by_action": acme["by_action"],
            "aws_requests": aws["total"], "aws_by_action": aws["by_action"], "log": r.log,
            # When each CA and AWS request completed, seconds from the start: where
            # the time goes between them is the client's own work (or its sleeps).
            # Time spent waiting on each server (the proxies time every request from
            # receipt to the last byte of the answer; sequential clients add up).
            "acme_ms": round(sum(e.get("ms") or 0 for e in acme["requests"]), 1),
            "aws_ms": round(sum(e.get("ms") or 0 for e in aws["requests"]), 1),
            "timeline": sorted([round(e["t"] - t_start, 3), f"{e['service']}:{e['action']}"]
                               for e in acme["requests"] + aws["requests"]),
        }
        self.commands.setdefault(c.name, {})[size] = argv
        self.results.setdefault(c.name, {}).setdefault(size, []).append(entry)
        status = "ok" if problem is None else f"FAILED ({problem}; log {r.log})"
        rss = "?" if r.maxrss_kb is None else f"{r.maxrss_kb / 1024:.1f}"
        self.log(f"bench: {c.name:8s} {size} name(s) run {run + 1}/{self.runs}: "
                 f"{r.wall:.3f} s, {rss} MB, {acme['total']} CA requests: {status}")
        return entry

    def run_all(self):
        order = list(self.clients.values())
        for run in range(self.runs):
            for size in self.sizes:
                for c in order:
                    self.one(c, size, run)
            order = order[1:] + order[:1]
        return self.results
