"""AWS naming on the command line, and the ACME profile kept per certificate.

--profile and --region are the AWS profile and region, as in every AWS tool:
they win over AWS_PROFILE/AWS_REGION, and a profile named on the command line
gives its own credentials even when AWS_ACCESS_KEY_ID is set (botocore's
rule). The verifying proxy records which access key and region signed each
request, so the tests see what aaa really sent.

The CA's certificate profile is --acme-profile: stored in meta.json, used by
every renewal, accepted in the executor's cert payload. pebble 2.4 lists no
profiles, so a small directory shim adds meta.profiles to pebble's directory
(every other URL still points at pebble, through its counting proxy, which
records each newOrder's payload).
"""

import json
import os
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


def _requests(aws):
    return [r for r in aws.proxy.stats()["requests"] if r.get("access_key")]


def _aws_config(home, text):
    d = home / ".aws"
    d.mkdir(exist_ok=True)
    (d / "config").write_text(text)


@pytest.fixture
def home(aaa_env):
    import pathlib
    return pathlib.Path(aaa_env["HOME"])


def test_profile_takes_the_named_profiles_credentials(aaa, aws, aws_resources, home):
    aws.verifier.add_credentials("AKIDWORKPROFILE", "work-secret")
    _aws_config(home, "[default]\nregion = us-east-1\n\n[profile work]\n"
                      "aws_access_key_id = AKIDWORKPROFILE\n"
                      "aws_secret_access_key = work-secret\n")
    bucket = aws_resources["bucket"]

    # Each run has a prefix of its own, so its requests are told apart by their path
    # (the proxy may record a run's last request after the next one has started).
    def run(prefix, *args, **kw):
        p = aaa("ls", "--store", f"s3://{bucket}/run-{prefix}", "--s3-kms-key",
                aws_resources["kms_key_id"], *args, **kw)
        assert p.returncode == 0, p.stderr
        keys = {r["access_key"] for r in _requests(aws) if f"run-{prefix}" in r["path"]}
        assert keys, aws.proxy.stats()
        return keys

    # The environment's keys (AKIDTEST) when no profile is named...
    assert run("plain") == {"AKIDTEST"}
    # ...and AWS_PROFILE alone does not shadow them (the SDKs' order)...
    assert run("envprofile", extra_env={"AWS_PROFILE": "work"}) == {"AKIDTEST"}
    # ...but --profile is what the user asked for: its credentials sign every request,
    # and it wins over AWS_PROFILE.
    assert run("flag", "--profile", "work", extra_env={"AWS_PROFILE": "nosuch"}) == {
        "AKIDWORKPROFILE"}


def test_region_wins_over_aws_region(aaa, aws, aws_resources, home):
    _aws_config(home, "[default]\nregion = us-west-2\n")
    # Two buckets, so each run's S3 requests are told apart by their path (the proxy
    # may record a run's last request after the next run has started).
    b1 = aws_resources["bucket"]
    b2 = aws.create_bucket(f"aaa-test-r{uuid.uuid4().hex[:8]}")

    def regions(bucket):
        return {r["region"] for r in _requests(aws) if f"/{bucket}" in r["path"]}

    aws.proxy.reset_stats()
    p = aaa("doctor", "--s3-bucket", b1, "--region", "eu-west-3", "--json")
    assert [c for c in json.loads(p.stdout)["checks"] if c["name"] == "region"][0][
        "detail"] == "eu-west-3", p.stdout
    # Without it: AWS_REGION (us-east-1), which wins over the profile's region.
    aaa("doctor", "--s3-bucket", b2, "--json")
    assert regions(b1) == {"eu-west-3"}
    assert regions(b2) == {"us-east-1"}


def test_bad_profile_and_region_are_usage_errors(aaa, aws, aws_resources, home, tmp_path):
    _aws_config(home, "[profile work]\naws_access_key_id = A\naws_secret_access_key = B\n")
    store = ["--store", f"file://{tmp_path}/store"]
    aws.proxy.reset_stats()
    # --profile used to be the ACME profile: a script still passing one is told.
    p = aaa("cert", "--cn", "a.example.test", "--profile", "shortlived", *store)
    assert p.returncode == 2
    assert "no such AWS profile" in p.stderr and "--acme-profile" in p.stderr
    p = aaa("ls", "--region", "", *store)
    assert p.returncode == 2 and "non-empty" in p.stderr
    p = aaa("ls", "--region", "eu west 1", *store)
    assert p.returncode == 2 and "not an AWS region" in p.stderr
    assert aws.proxy.stats()["total"] == 0
    assert not (tmp_path / "store").exists()


class _ProfileShim:
    """pebble's directory with meta.profiles added; everything else is pebble's."""

    PROFILES = {"classic": "the usual 90 days", "shortlived": "six days"}

    def __init__(self, pebble):
        shim = self
        self.pebble_origin = pebble.url
        self.directory = dict(pebble.directory())
        self.directory["meta"] = dict(self.directory.get("meta", {}), profiles=self.PROFILES)

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                if self.path != "/dir":
                    self.send_error(404)
                    return
                data = json.dumps(shim.directory).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/dir"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def runner(self, aaa):
        """aaa with pebble's own origin allowed: the shim's directory (http, its own
        origin) hands out pebble's URLs."""
        def run(*args, **kw):
            kw["extra_env"] = dict(kw.get("extra_env") or {},
                                   AAA_ACME_ALLOW_ORIGINS=self.pebble_origin)
            return aaa(*args, **kw)
        return run

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def profile_ca(pebble):
    s = _ProfileShim(pebble)
    yield s
    s.close()


def ordered_profiles(pebble):
    return [(r.get("payload") or {}).get("profile") for r in pebble.stats()["requests"]
            if r["action"] == "newOrder" and r["method"] == "POST"]


def _meta(store, name):
    with open(os.path.join(store, "aaa-data", "v1", "certs", name, "meta.json")) as f:
        return json.load(f)


def test_acme_profile_is_stored_and_kept_by_renewals(aaa, aws, pebble, profile_ca, tmp_path):
    zone = f"p{uuid.uuid4().hex[:8]}.example.test"
    aws.create_zone(zone)
    store = str(tmp_path / "store")
    s = ["--store", f"file://{store}", "--directory", profile_ca.url]
    aaa = profile_ca.runner(aaa)
    assert aaa("reg", "-m", f"a@{zone}", "--agree", *s).returncode == 0
    name = f"www.{zone}"
    pebble.reset_stats()
    p = aaa("cert", "--cn", name, "--acme-profile", "shortlived", *s)
    assert p.returncode == 0, p.stderr
    assert ordered_profiles(pebble) == ["shortlived"]
    assert _meta(store, name)["acme_profile"] == "shortlived"
    # Issued again without the flag: the stored profile, not the CA's default.
    pebble.reset_stats()
    assert aaa("cert", "--cn", name, *s).returncode == 0
    assert ordered_profiles(pebble) == ["shortlived"]
    # Another one chosen replaces it; a certificate that never chose sends none.
    pebble.reset_stats()
    assert aaa("cert", "--cn", name, "--acme-profile", "classic", *s).returncode == 0
    assert aaa("cert", "--cn", f"plain.{zone}", *s).returncode == 0
    assert ordered_profiles(pebble) == ["classic", None]
    assert _meta(store, name)["acme_profile"] == "classic"
    assert "acme_profile" not in _meta(store, f"plain.{zone}")
    # A profile the CA does not list is refused before any order, naming the ones it does.
    pebble.reset_stats()
    p = aaa("cert", "--cn", name, "--acme-profile", "tlsserver", *s)
    assert p.returncode == 1 and "shortlived" in p.stderr
    assert ordered_profiles(pebble) == []


def test_executor_takes_acme_profile_and_renewals_keep_it(stack, aaa, aws, pebble, profile_ca,
                                                          task_root, tmp_path):
    """The cert payload's acme_profile is stored; a renewal (the scheduler's fan-out calls
    renew) uses it, not the stack-wide AAA_PROFILE."""
    import importlib
    emulator = importlib.import_module("tests.integration.lambda.emulator")
    zone = f"e{uuid.uuid4().hex[:8]}.example.test"
    aws.create_zone(zone)
    store = str(tmp_path / "store")
    env = stack.aaa_env(tmp_path / "fn-home")
    env.pop("HOME", None)
    env.update({"AAA_STORE": f"file://{store}", "AAA_DIRECTORY": profile_ca.url,
                "AAA_PROFILE": "classic", "AAA_ACME_ALLOW_ORIGINS": pebble.url})
    aaa = profile_ca.runner(aaa)
    assert aaa("reg", "-m", f"a@{zone}", "--agree", "--store", f"file://{store}",
               "--directory", profile_ca.url).returncode == 0

    def invoke(emu, payload):
        meta, body = emulator.aws_cli_invoke(emu.url, tmp_path, "executor", json.dumps(payload))
        assert "FunctionError" not in meta, body
        return json.loads(body)

    name, other = f"www.{zone}", f"other.{zone}"
    with emulator.LambdaEmulator(retry_delays=(0.05, 0.05)).start() as emu:
        emu.add_function("executor", str(task_root / "bootstrap"), env=env, timeout=120,
                         handler="executor")
        pebble.reset_stats()
        out = invoke(emu, {"action": "cert", "names": [name], "acme_profile": "shortlived"})
        assert out["state"] == "done", out
        out = invoke(emu, {"action": "cert", "names": [other]})
        assert out["state"] == "done", out
        assert ordered_profiles(pebble) == ["shortlived", "classic"]
        assert _meta(store, name)["acme_profile"] == "shortlived"
        assert "acme_profile" not in _meta(store, other), "the stack's default is not pinned"
        pebble.reset_stats()
        assert invoke(emu, {"action": "renew", "name": name})["state"] == "done"
        assert invoke(emu, {"action": "renew", "name": other})["state"] == "done"
        assert ordered_profiles(pebble) == ["shortlived", "classic"]
        pebble.reset_stats()
        meta, body = emulator.aws_cli_invoke(
            emu.url, tmp_path, "executor",
            json.dumps({"action": "cert", "names": [name], "acme_profile": 7}))
        assert meta.get("FunctionError") and json.loads(body)["errorType"] == "InvalidRequest"
        assert "acme_profile" in json.loads(body)["errorMessage"]
        assert ordered_profiles(pebble) == []
