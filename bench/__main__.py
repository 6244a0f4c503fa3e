"""`make bench` driver: /usr/bin/python3 -m bench [options] (from the repo root).

Starts the local stack (moto + verifying proxy + Route53 DNS + pebble with
VA NOSLEEP, nonce rejection off, authorization reuse off), the TXT side door
for the peers' hooks, runs the side-by-side issuance, the same under realistic
latencies (bench/realistic.py), the Lambda numbers and the fleet renewal
(bench/fleet.py),
writes bench/results.md (and a .json next to it), and stops everything it
started on the way out, also on an error, SIGINT or SIGTERM.

uacme links libcurl-gnutls, which trusts only the system CA bundle; as root
the driver re-runs itself in a private mount namespace (unshare -m) and
bind-mounts a bundle with the test CA over the system one there, so the host's
trust store is never touched.
"""

import argparse
import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

from bench import clients as clients_mod  # noqa: E402
from bench import fleet, issuance, lambda_numbers, measure, realistic, results  # noqa: E402
from bench.txtdoor import TxtDoor  # noqa: E402
from tests.integration.stack import Stack  # noqa: E402

SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
ZONE = "bench.test"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def _reexec_in_namespace(argv):
    """As root, re-run in a private mount namespace (see the module comment)."""
    if os.environ.get("BENCH_IN_NS") or os.geteuid() != 0 or not shutil.which("unshare"):
        return
    try:
        ok = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"],
                            capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    if not ok:
        return
    env = dict(os.environ, BENCH_IN_NS="1")
    os.execvpe("unshare", ["unshare", "--mount", "--propagation", "private", sys.executable,
                           "-m", "bench"] + argv, env)


def _trust_test_ca(stack, work):
    """In our private namespace: system bundle + test CA, bind-mounted over the system one."""
    if not os.environ.get("BENCH_IN_NS") or not os.path.exists(SYSTEM_BUNDLE):
        return False
    combined = os.path.join(work, "system-plus-test-ca.crt")
    with open(combined, "wb") as out:
        for src in (SYSTEM_BUNDLE, stack.ca_bundle):
            with open(src, "rb") as f:
                out.write(f.read().rstrip(b"\n") + b"\n")
    r = subprocess.run(["mount", "--bind", combined, SYSTEM_BUNDLE], capture_output=True,
                       text=True, timeout=10)
    if r.returncode != 0:
        log(f"bench: cannot bind-mount the CA bundle: {r.stderr.strip()}")
        return False
    os.environ["BENCH_SYSTEM_CA_HAS_TEST_CA"] = "1"
    return True


def _on_signal(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python3 -m bench", description=__doc__.split("\n")[0])
    p.add_argument("--aaa", default=os.path.join(_REPO, "build", "aaa"), help="aaa binary")
    p.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "5") or 5),
                   help="runs per figure (median); default BENCH_RUNS or 5")
    p.add_argument("--sizes", default="1,5", help="names per certificate, comma-separated")
    p.add_argument("--aaa-lambda", default=None,
                   help="the Lambda build of aaa (make lambda-bin), run as one more client")
    p.add_argument("--clients", default=None,
                   help="default aaa,aaa-lambda (with --aaa-lambda),uacme,lego,certbot")
    p.add_argument("--timeout", type=float, default=120, help="bound on each client run (s)")
    p.add_argument("--zip", default=None, help="the Lambda zip (default: next to --aaa)")
    p.add_argument("--no-lambda", action="store_true", help="skip the Lambda numbers")
    p.add_argument("--no-realistic", action="store_true",
                   help="skip the realistic-latency part (bench/realistic.py)")
    p.add_argument("--realistic-sizes", default="1,5,20",
                   help="names per certificate in the realistic-latency part")
    p.add_argument("--pending-s", type=float, default=realistic.PENDING_S,
                   help="seconds Route53 holds a change PENDING there (default 30)")
    p.add_argument("--validation-s", type=float, default=realistic.VALIDATION_S,
                   help="seconds the CA takes to validate there (default 1.5; under 2)")
    p.add_argument("--slack-requests", type=int, default=1000,
                   help="Slack requests for the dispatcher's p50/p99")
    p.add_argument("--fleet-sizes", default="100,1000",
                   help="certificates due at once in the fleet part (bench/fleet.py); "
                        "empty to skip it")
    p.add_argument("--out", default=os.path.join(_REPO, "bench", "results.md"))
    p.add_argument("--json", default=None, help="raw results (default: --out with .json)")
    p.add_argument("--workdir", default=None, help="keep logs and client state here")
    p.add_argument("--command", default=None, help="the command line to quote in results")
    a = p.parse_args(argv)
    a.sizes = [int(s) for s in a.sizes.split(",") if s.strip()]
    a.realistic_sizes = [int(s) for s in a.realistic_sizes.split(",") if s.strip()]
    a.fleet_sizes = [int(s) for s in a.fleet_sizes.split(",") if s.strip()]
    if a.clients is None:
        a.clients = "aaa,aaa-lambda,uacme,lego,certbot" if a.aaa_lambda else \
            "aaa,uacme,lego,certbot"
    a.clients = [c.strip() for c in a.clients.split(",") if c.strip()]
    for c in a.clients:
        if c not in clients_mod.ALL:
            p.error(f"unknown client {c} (known: {', '.join(clients_mod.ALL)})")
    if a.runs < 1 or a.runs > 100:
        p.error("--runs must be 1..100")
    a.aaa = os.path.abspath(a.aaa)
    if a.aaa_lambda:
        a.aaa_lambda = os.path.abspath(a.aaa_lambda)
    if a.zip is None:
        a.zip = os.path.join(os.path.dirname(a.aaa), "aaa-lambda.zip")
    a.zip = os.path.abspath(a.zip)
    a.json = a.json or os.path.splitext(a.out)[0] + ".json"
    return a


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if "uacme" in args.clients:
        _reexec_in_namespace(argv)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    work = args.workdir or tempfile.mkdtemp(prefix="aaa-bench-")
    os.makedirs(work, exist_ok=True)
    started = time.monotonic()
    stack = door = None
    data = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": args.command or "/usr/bin/python3 -m bench " + " ".join(argv),
        "runs": args.runs, "sizes": args.sizes, "workdir": work, "repo": _REPO,
        "host": results.host_info(),
    }
    rc = 1
    try:
        log(f"bench: starting the local stack (logs in {work})")
        stack = Stack(workdir=os.path.join(work, "stack"),
                      pebble_opts={"nonce_reject": 0, "authz_reuse": 0}).start()
        zone_id = stack.aws.create_zone(ZONE)
        trusted = _trust_test_ca(stack, work)
        door = TxtDoor(stack.moto.url, {ZONE: zone_id}).start()
        ctx = clients_mod.Ctx(work=work, directory=stack.pebble.directory_url,
                              ca_bundle=stack.ca_bundle, dns_address=stack.dns.address,
                              door_port=door.port, aws_env=stack.aws.env(), aaa_bin=args.aaa,
                              timeout=args.timeout, aaa_lambda_bin=args.aaa_lambda)
        bench = issuance.IssuanceBench(stack, ctx, args.clients, args.sizes, args.runs, ZONE,
                                       log=log)
        bench.setup()
        bench.run_all()
        data["versions"] = dict(bench.versions)
        data["versions"]["pebble"] = results.pebble_version()
        data["unavailable"] = bench.unavailable
        data["commands"] = {c: {str(k): v for k, v in d.items()}
                            for c, d in bench.commands.items()}
        data["issuance"] = {c: {str(k): v for k, v in d.items()}
                            for c, d in bench.results.items()}
        data["ca_trust"] = ("test CA bind-mounted over the system bundle in a private mount "
                            "namespace (uacme)" if trusted else "per-client CA settings only")
        data["door"] = {"present": sum(1 for e in door.log if e[0] == "present"),
                        "cleanup": sum(1 for e in door.log if e[0] == "cleanup"),
                        "fqdns": sorted({e[1] for e in door.log})}
        if not args.no_realistic and args.realistic_sizes:
            log("bench: realistic latencies (Route53 PENDING "
                f"{args.pending_s:g} s, validation {args.validation_s:g} s)")
            rl = realistic.RealisticBench(stack, ctx, args.clients, args.realistic_sizes,
                                          args.pending_s, args.validation_s,
                                          extra_zones={ZONE: zone_id}, log=log)
            rl.setup()
            data["realistic"] = rl.run()
        if not args.no_lambda:
            data["lambda"] = lambda_numbers.run_all(stack, ctx, args, work, log=log)
        if args.fleet_sizes:
            # last: it resets moto between sizes
            data["fleet"] = fleet.run_all(stack, args.aaa, work, args.fleet_sizes, log)
            data["fleet"].update(date=data["date"], command=data["command"],
                                 commit=fleet.commit())
        rc = 0
    except KeyboardInterrupt as exc:
        log(f"bench: interrupted ({exc})")
        rc = 130
    finally:
        measure.kill_live()
        if door is not None:
            door.stop()
        if stack is not None:
            try:
                stack.stop()
            except Exception as exc:  # noqa: BLE001 - report, keep going
                log(f"bench: stopping the stack: {exc}")
    data["elapsed_s"] = time.monotonic() - started
    if rc == 0:
        with open(args.json, "w") as f:
            json.dump(data, f, indent=1, sort_keys=True)
        with open(args.out, "w") as f:
            f.write(results.markdown(data))
        sys.stdout.write(results.summary_table(data))
        log(f"bench: wrote {args.out} and {args.json} in {data['elapsed_s']:.0f} s")
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
