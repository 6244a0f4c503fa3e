"""The four ACME clients as the bench runs them: how each registers, issues one
certificate for N names over DNS-01, and where it leaves the certificate.

Every client gets the same pebble (through the counting ACME proxy), the same
DNS server (reading moto's Route53) and an EC P-256 certificate key. Accounts
are registered once before timing starts, so a timed run is one issuance with
an existing account. The peers publish TXT records through the bench's side
door (txtdoor.py, from bash hooks); aaa uses its own Route53 code against moto
through the verifying proxy, which is its real path.
"""

import glob
import os
import shutil
import subprocess

HOOKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hooks")
EMAIL = "bench@bench.test"
# What the clients inherit from the bench's environment (the sanitizer options
# matter when the tests run the bench on an ASan build of aaa, as conftest does).
PASS_ENV = ("PATH", "LANG", "LC_ALL", "TZ", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")


class Unavailable(Exception):
    """The client cannot run here; the message becomes its table row."""


class Ctx:
    """What every client needs: directory URL, CA bundle, DNS, door, AWS env, dirs."""

    def __init__(self, work, directory, ca_bundle, dns_address, door_port, aws_env, aaa_bin,
                 timeout, aaa_lambda_bin=None):
        self.work = work
        self.directory = directory
        self.ca_bundle = ca_bundle
        self.dns_address = dns_address
        self.door_port = door_port
        self.aws_env = dict(aws_env)
        self.aaa_bin = aaa_bin
        self.aaa_lambda_bin = aaa_lambda_bin
        self.timeout = timeout

    def base_env(self, home):
        os.makedirs(home, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if k in PASS_ENV}
        env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
        env["HOME"] = home
        env["BENCH_TXT_PORT"] = str(self.door_port)
        return env


def _version(argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc})"
    out = (p.stdout + p.stderr).strip().splitlines()
    return out[0].strip() if out else f"unknown (exit {p.returncode})"


def _deb_version(pkg):
    try:
        p = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True,
                           text=True, timeout=10)
        return p.stdout.strip() if p.returncode == 0 else ""
    except (OSError, subprocess.TimeoutExpired):
        return ""


class Client:
    name = "?"
    binary = None
    version_argv = None
    deb = None

    def __init__(self, ctx):
        self.ctx = ctx
        self.dir = os.path.join(ctx.work, self.name)
        os.makedirs(self.dir, exist_ok=True)
        self.env = ctx.base_env(os.path.join(self.dir, "home"))

    def check(self):
        if not shutil.which(self.binary):
            raise Unavailable(f"n/a ({self.binary} not installed)")

    def version(self):
        v = _version(self.version_argv)
        deb = _deb_version(self.deb) if self.deb else ""
        return f"{v} (Debian {deb})" if deb else v

    def setup(self, run):
        """Register the account (untimed). run(argv, env, log) -> measure.Result."""

    def issue_argv(self, names):
        raise NotImplementedError

    def cert_file(self, names):
        raise NotImplementedError

    def _setup_run(self, run, argv, what):
        r = run(argv, self.env, os.path.join(self.dir, "setup.log"))
        if not r.ok:
            raise Unavailable(f"n/a ({what} failed, exit {r.rc}: see {r.log})")
        return r


class Aaa(Client):
    name = "aaa"

    def _binary(self, ctx):
        return ctx.aaa_bin

    def __init__(self, ctx):
        super().__init__(ctx)
        self.binary = self._binary(ctx)
        self.version_argv = [self.binary, "--version"]
        self.store = os.path.join(self.dir, "store")
        os.makedirs(self.store, mode=0o700, exist_ok=True)
        self.env.update(ctx.aws_env)
        self.env.update({
            "AWS_EC2_METADATA_DISABLED": "true",
            "AAA_STORE": "file://" + self.store,
            "AAA_DIRECTORY": ctx.directory,
            "AAA_CA_BUNDLE": ctx.ca_bundle,
            "AAA_EMAIL": EMAIL,
        })

    def check(self):
        if not (self.binary and os.access(self.binary, os.X_OK)):
            raise Unavailable(f"n/a ({self.binary} not built)")

    def setup(self, run):
        r = run([self.binary, "reg", "--email", EMAIL, "--agree"], self.env,
                os.path.join(self.dir, "setup.log"))
        if not r.ok:
            if "not built yet" in r.log_tail():
                raise Unavailable("n/a (not built)")
            raise Unavailable(f"n/a (aaa reg failed, exit {r.rc}: see {r.log})")

    def issue_argv(self, names):
        argv = [self.binary, "cert", "--cn", names[0]]
        for n in names:
            argv += ["--domain", n]
        return argv + ["--create-key", "--key-type", "ec256"]

    def cert_file(self, names):
        hits = sorted(glob.glob(os.path.join(self.store, "**", "certs", names[0], "cert.pem"),
                                recursive=True))
        return hits[0] if hits else None


class AaaLambda(Aaa):
    """The binary the Lambda zip ships (make lambda-bin: static, trimmed libcurl and
    libxml2), run as a CLI: what the packaging's smaller libraries change."""

    name = "aaa-lambda"

    def _binary(self, ctx):
        return ctx.aaa_lambda_bin


class Uacme(Client):
    name = "uacme"
    binary = "uacme"
    version_argv = ["uacme", "-V"]
    deb = "uacme"

    def __init__(self, ctx):
        super().__init__(ctx)
        self.conf = os.path.join(self.dir, "conf")

    def check(self):
        super().check()
        if not os.environ.get("BENCH_SYSTEM_CA_HAS_TEST_CA"):
            # uacme (libcurl-gnutls) has no CA option; the bench bind-mounts a bundle
            # with the test CA over the system one in a private mount namespace.
            raise Unavailable("n/a (uacme trusts only the system CA bundle; the bench "
                              "needs root for a private mount namespace to add the test CA)")

    def _common(self):
        return ["uacme", "-c", self.conf, "-a", self.ctx.directory, "-t", "EC", "-b", "256",
                "-y"]

    def setup(self, run):
        self._setup_run(run, self._common() + ["new", EMAIL], "uacme new")

    def issue_argv(self, names):
        return self._common() + ["-h", os.path.join(HOOKS, "uacme-hook"), "issue"] + names

    def cert_file(self, names):
        p = os.path.join(self.conf, names[0], "cert.pem")
        return p if os.path.exists(p) else None


class Lego(Client):
    name = "lego"
    binary = "lego"
    version_argv = ["lego", "--version"]
    deb = "lego"

    def __init__(self, ctx):
        super().__init__(ctx)
        self.path = os.path.join(self.dir, "data")
        self.env.update({
            "LEGO_CA_CERTIFICATES": ctx.ca_bundle,
            "EXEC_PATH": os.path.join(HOOKS, "lego-exec"),
            "EXEC_PROPAGATION_TIMEOUT": "60",
            # lego sleeps one polling interval before its first propagation check;
            # the record is visible the moment the hook returns, so no sleep.
            "EXEC_POLLING_INTERVAL": "0",
            # The exec provider solves one name at a time and waits this long
            # between names (default 60 s); no wait is the fastest fair setting.
            "EXEC_SEQUENCE_INTERVAL": "0",
        })

    def _common(self):
        return ["lego", "--server", self.ctx.directory, "--email", EMAIL, "--accept-tos",
                "--path", self.path, "--key-type", "ec256", "--dns", "exec",
                "--dns.resolvers", self.ctx.dns_address, "--dns.disable-cp"]

    def setup(self, run):
        # lego 4.9 has no separate register command: an untimed issuance registers.
        self._setup_run(run, self._common() + ["-d", "lego-setup.bench.test", "run"],
                        "lego registration")

    def issue_argv(self, names):
        argv = self._common()
        for n in names:
            argv += ["-d", n]
        return argv + ["run"]

    def cert_file(self, names):
        p = os.path.join(self.path, "certificates", names[0].replace("*", "_") + ".crt")
        return p if os.path.exists(p) else None


class Certbot(Client):
    name = "certbot"
    binary = "certbot"
    version_argv = ["certbot", "--version"]
    deb = "certbot"

    def __init__(self, ctx):
        super().__init__(ctx)
        self.env["REQUESTS_CA_BUNDLE"] = ctx.ca_bundle

    def _common(self):
        return ["certbot", "--non-interactive", "--agree-tos", "-m", EMAIL, "--no-eff-email",
                "--server", self.ctx.directory,
                "--config-dir", os.path.join(self.dir, "config"),
                "--work-dir", os.path.join(self.dir, "work"),
                "--logs-dir", os.path.join(self.dir, "logs")]

    def setup(self, run):
        self._setup_run(run, ["certbot", "register"] + self._common()[1:], "certbot register")

    def issue_argv(self, names):
        return ["certbot", "certonly"] + self._common()[1:] + [
            "--manual", "--preferred-challenges", "dns",
            "--manual-auth-hook", os.path.join(HOOKS, "certbot-auth"),
            "--manual-cleanup-hook", os.path.join(HOOKS, "certbot-cleanup"),
            "--key-type", "ecdsa", "--elliptic-curve", "secp256r1",
            "--cert-name", names[0], "-d", ",".join(names)]

    def cert_file(self, names):
        p = os.path.join(self.dir, "config", "live", names[0], "cert.pem")
        return p if os.path.exists(p) else None


ALL = {"aaa": Aaa, "aaa-lambda": AaaLambda, "uacme": Uacme, "lego": Lego, "certbot": Certbot}
