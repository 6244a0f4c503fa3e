"""Command line for the local stack, for `make demo` and for poking at it by hand.

    /usr/bin/python3 -m tests.integration.stack up --env-file F [--background] [options]
        start moto, the verifying proxy, the DNS server and pebble; write F (mode
        0600, `export KEY='value'` lines: AWS_*, AAA_DIRECTORY, AAA_CA_BUNDLE,
        AAA_STACK_* URLs, AAA_STACK_PID, and AAA_S3_BUCKET / AAA_S3_KMS_KEY /
        AAA_STACK_ZONES when asked to create them); then run until SIGTERM/SIGINT
        or `down`, stop everything and remove F. With --background, return as
        soon as F is written (exit 0) or the start failed (exit 1, log shown).
    ... down --env-file F      stop the stack that wrote F (bounded wait)
    ... stats --env-file F [--target aws|acme] [--reset]
    ... faults --env-file F [--target aws|acme] (--add JSON | --clear | --list)
"""

import argparse
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time

from .pebble import make_eab_key
from .proxy import ProxyControl
from .stack import Stack


def write_env_file(path, values):
    """Write `export KEY='value'` lines atomically with mode 0600."""
    tmp = f"{path}.tmp{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("# written by `python3 -m tests.integration.stack up`; source it with `. FILE`\n")
        for k, v in values.items():
            f.write(f"export {k}={shlex.quote(str(v))}\n")
    os.replace(tmp, path)


def read_env_file(path):
    out = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("export "):
                line = line[len("export "):]
            k, _, v = line.partition("=")
            out[k] = shlex.split(v)[0] if v else ""
    return out


def _parse_eab(items):
    keys = {}
    for item in items or []:
        kid, sep, key = item.partition("=")
        keys[kid] = key if sep and key else make_eab_key()
    return keys


def cmd_up(args):
    if args.background:
        return _up_background(args)
    pebble_opts = {
        "eab_keys": _parse_eab(args.eab),
        "eab_required": args.eab_required,
        "nonce_reject": args.nonce_reject,
        "alternate_roots": args.alternate_roots,
    }
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())
    stack = Stack(workdir=args.workdir, with_pebble=not args.no_pebble,
                  pebble_opts=pebble_opts)
    clean = False
    try:
        try:
            stack.start()
        except Exception:
            print(f"stack: start failed; logs are in {stack.workdir}", file=sys.stderr)
            raise
        values = stack.env_vars()
        if args.bucket:
            values["AAA_S3_BUCKET"] = stack.aws.create_bucket(args.bucket)
        if args.kms_alias or args.bucket:
            key = stack.aws.create_kms_key(alias=args.kms_alias)
            values["AAA_S3_KMS_KEY"] = key["alias"] or key["key_id"]
            values["AAA_STACK_KMS_KEY_ARN"] = key["arn"]
        zones = [f"{z}={stack.aws.create_zone(z)}" for z in args.zone or []]
        if zones:
            values["AAA_STACK_ZONES"] = ",".join(zones)
        for kid, key in pebble_opts["eab_keys"].items():
            values.setdefault("AAA_STACK_EAB_KID", kid)
            values.setdefault("AAA_STACK_EAB_HMAC_KEY", key)
        values["AAA_STACK_PID"] = os.getpid()
        write_env_file(args.env_file, values)
        print(f"stack up: {args.env_file}", flush=True)
        while not stop.wait(0.5):
            pass
        print("stack: stopping", flush=True)
        clean = True
        return 0
    finally:
        try:
            stack.stop()
            if clean and not args.workdir:  # our temp dir; keep it after a failure
                shutil.rmtree(stack.workdir, ignore_errors=True)
        finally:
            try:
                if read_env_file(args.env_file).get("AAA_STACK_PID") == str(os.getpid()):
                    os.unlink(args.env_file)
            except OSError:
                pass


def _up_background(args):
    """Run `up` in a detached child; return when its env file appears or it dies."""
    if os.path.exists(args.env_file):
        os.unlink(args.env_file)
    log = args.log or (args.env_file + ".log")
    argv = [sys.executable, "-m", "tests.integration.stack"] + [
        a for a in sys.argv[1:] if a != "--background"]
    with open(log, "ab") as logf:
        child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                                 start_new_session=True, cwd=os.getcwd())
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if os.path.exists(args.env_file):
            print(f"stack up (pid {child.pid}): {args.env_file}")
            return 0
        if child.poll() is not None:
            break
        time.sleep(0.1)
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(15)
        except subprocess.TimeoutExpired:
            child.kill()
    with open(log, "rb") as f:
        sys.stderr.write(f.read()[-4000:].decode("utf-8", "replace"))
    print("stack: failed to start", file=sys.stderr)
    return 1


def cmd_down(args):
    try:
        pid = int(read_env_file(args.env_file)["AAA_STACK_PID"])
    except (OSError, KeyError, ValueError):
        print(f"stack down: no running stack recorded in {args.env_file}", file=sys.stderr)
        return 0
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return 0
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            print("stack down")
            return 0
        time.sleep(0.1)
    print(f"stack down: pid {pid} still running after {args.timeout}s", file=sys.stderr)
    return 1


def _control(args):
    env = read_env_file(args.env_file)
    if args.target == "acme":
        return ProxyControl(env["AAA_STACK_ACME_PROXY_URL"], cafile=env["AAA_CA_BUNDLE"])
    return ProxyControl(env["AAA_STACK_AWS_PROXY_URL"])


def cmd_stats(args):
    ctl = _control(args)
    out = ctl.reset_stats() if args.reset else ctl.stats()
    print(json.dumps(out, indent=1))
    return 0


def cmd_faults(args):
    ctl = _control(args)
    if args.clear:
        out = ctl.clear_faults()
    elif args.add:
        rules = json.loads(args.add)
        out = ctl.add_faults(*(rules if isinstance(rules, list) else [rules]))
    else:
        out = ctl.faults()
    print(json.dumps(out, indent=1))
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m tests.integration.stack",
                                description="aaa's local test stack")
    sub = p.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up", help="start the stack and write an env file")
    up.add_argument("--env-file", required=True)
    up.add_argument("--workdir", help="where logs, TLS files and configs go (default: a temp dir)")
    up.add_argument("--background", action="store_true", help="return once the stack is up")
    up.add_argument("--log", help="log file for --background (default ENV_FILE.log)")
    up.add_argument("--timeout", type=float, default=120, help="startup bound for --background")
    up.add_argument("--no-pebble", action="store_true", help="AWS and DNS only")
    up.add_argument("--bucket", help="create this S3 bucket (and a KMS key)")
    up.add_argument("--kms-alias", help="create a KMS key with this alias")
    up.add_argument("--zone", action="append", help="create this hosted zone (repeatable)")
    up.add_argument("--eab", action="append", metavar="KID[=KEY]",
                    help="an EAB key for pebble (KEY generated when omitted)")
    up.add_argument("--eab-required", action="store_true")
    up.add_argument("--nonce-reject", type=int, default=0, help="PEBBLE_WFE_NONCEREJECT")
    up.add_argument("--alternate-roots", type=int, default=0, help="PEBBLE_ALTERNATE_ROOTS")
    up.set_defaults(func=cmd_up)
    down = sub.add_parser("down", help="stop the stack recorded in an env file")
    down.add_argument("--env-file", required=True)
    down.add_argument("--timeout", type=float, default=20)
    down.set_defaults(func=cmd_down)
    for name, func in (("stats", cmd_stats), ("faults", cmd_faults)):
        s = sub.add_parser(name)
        s.add_argument("--env-file", required=True)
        s.add_argument("--target", choices=("aws", "acme"), default="aws")
        if name == "stats":
            s.add_argument("--reset", action="store_true")
        else:
            g = s.add_mutually_exclusive_group()
            g.add_argument("--add", metavar="JSON", help="a rule object or a list of them")
            g.add_argument("--clear", action="store_true")
            g.add_argument("--list", action="store_true")
        s.set_defaults(func=func)
    args = p.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
