"""pytest fixtures for aaa's integration tests: the local stack on 127.0.0.1.

One stack per test session (moto + verifying proxy + DNS + pebble + ACME proxy,
about 1.5 s to start); function-scoped views reset it between tests, so every
test starts with an empty moto, no fault rules, zeroed request counters and a
correct clock.

Fixtures:
  stack_session  the session's Stack (not reset; prefer `stack`)
  moto           the raw MotoServer (url, reset())
  aws            AwsEndpoint: url (the verifying proxy), env(), client(svc),
                 direct_client(svc), proxy (faults, stats), create_bucket(),
                 create_kms_key(), create_zone(), records()
  dns            Route53DNS: address, query(name, type), txt(name), queries
  pebble         Pebble: directory_url, ca_bundle, cert_status(), root_pem(),
                 count("newOrder"), proxy (faults, stats)
  stack          the Stack with all of the above reset for this test
  aws_resources  dict(bucket, kms_key_id, kms_key_arn, zone, zone_id) freshly made
  aws_cli        AwsCli: Debian's /usr/bin/aws aimed at the verifying proxy
  aaa_bin        path of the aaa binary ($AAA_BIN, default $AAA_BUILD/aaa, build/aaa)
  aaa_env        environment dict for running aaa against the stack (HOME = tmp)
  aaa            run(*args, env=None, extra_env=None, timeout=120, input=None)
  pebble_factory start(**Pebble options) another pebble (EAB, nonce storms,
                 alternate roots...) on the same DNS and CA; stopped after the test
  recorder, response_url   RecordingServer / ResponseUrlServer
  zone           {"name", "id"}: a fresh hosted zone in moto
  env            the Lambda functions' environment: the stack's AWS and CA, a
                 file store shared with the test (env["AAA_STORE"]), an account
                 registered with the CLI; a test file may override it
Import classes with `from tests.integration.stack import ...`.
"""

import os
import shutil
import subprocess
import sys
import uuid

import pytest

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

from tests.integration.stack import RecordingServer, ResponseUrlServer, Stack  # noqa: E402
from tests.integration.stack.awscli import AwsCli  # noqa: E402

BUILD = os.environ.get("AAA_BUILD", os.path.join(_REPO, "build"))
AAA_BIN = os.environ.get("AAA_BIN", os.path.join(BUILD, "aaa"))


@pytest.fixture(scope="session")
def stack_session(tmp_path_factory):
    s = Stack(workdir=str(tmp_path_factory.mktemp("stack")))
    s.start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def moto(stack_session):
    return stack_session.moto


@pytest.fixture
def aws(stack_session):
    stack_session.aws.reset()
    yield stack_session.aws
    stack_session.aws.proxy.faults.clear()
    stack_session.aws.proxy.set_clock_offset(0)


@pytest.fixture
def dns(stack_session):
    stack_session.dns.clear_log()
    return stack_session.dns


@pytest.fixture
def pebble(stack_session):
    p = stack_session.pebble
    p.proxy.faults.clear()
    p.proxy.reset_stats()
    yield p
    p.proxy.faults.clear()


@pytest.fixture
def stack(stack_session, aws, dns, pebble):
    return stack_session


@pytest.fixture
def aws_resources(aws):
    """A bucket, a KMS key and a public hosted zone with unique names."""
    tag = uuid.uuid4().hex[:8]
    key = aws.create_kms_key(alias=f"aaa-test-{tag}")
    zone = f"z{tag}.example.test"
    return {
        "bucket": aws.create_bucket(f"aaa-test-{tag}"),
        "kms_key_id": key["key_id"],
        "kms_key_arn": key["arn"],
        "kms_alias": key["alias"],
        "zone": zone,
        "zone_id": aws.create_zone(zone),
    }


@pytest.fixture
def aws_cli(aws, tmp_path):
    home = tmp_path / "aws-cli-home"
    home.mkdir(exist_ok=True)
    return AwsCli(aws.url, aws.env(), home)


@pytest.fixture
def aaa_bin():
    if not os.access(AAA_BIN, os.X_OK):
        pytest.fail(f"{AAA_BIN} is not built (run `make`, or set AAA_BIN)")
    return AAA_BIN


@pytest.fixture
def task_root(tmp_path):
    """The Lambda zip's layout for the emulator: bootstrap at the root, bin/aaa (a link
    to the build), lib/ empty (the host's loader is used, so bootstrap takes its
    `exec bin/aaa lambda` branch)."""
    aaa = os.path.abspath(AAA_BIN)
    if not os.access(aaa, os.X_OK):
        pytest.fail(f"{aaa} is not built (run `make`, or set AAA_BUILD/AAA_BIN)")
    root = tmp_path / "task"
    (root / "bin").mkdir(parents=True)
    (root / "lib").mkdir()
    shutil.copy(os.path.join(_REPO, "bootstrap"), root / "bootstrap")
    os.symlink(aaa, root / "bin" / "aaa")
    return root


@pytest.fixture
def aaa_env(stack, tmp_path):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return stack.aaa_env(home)


@pytest.fixture
def aaa(aaa_bin, aaa_env):
    """Run the aaa binary against the stack; returns CompletedProcess (text)."""

    def run(*args, env=None, extra_env=None, timeout=120, input=None):
        e = dict(env if env is not None else aaa_env)
        e.update(extra_env or {})
        return subprocess.run([aaa_bin, *args], env=e, capture_output=True, text=True,
                              timeout=timeout, input=input)

    return run


@pytest.fixture
def pebble_factory(stack_session):
    started = []

    def start(**opts):
        p = stack_session.new_pebble(**opts).start()
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()


@pytest.fixture
def recorder():
    with RecordingServer() as r:
        yield r


@pytest.fixture
def response_url():
    with ResponseUrlServer() as r:
        yield r


@pytest.fixture
def zone(aws):
    name = f"z{uuid.uuid4().hex[:8]}.example.test"
    return {"name": name, "id": aws.create_zone(name)}


@pytest.fixture
def env(stack, tmp_path, aaa, zone):
    """The functions' environment: the stack's AWS and CA, a file store shared with the
    test, and an account registered with the CLI (the documented setup step)."""
    store = f"file://{tmp_path}/store"
    e = stack.aaa_env(tmp_path / "fn-home")
    e.pop("HOME", None)
    e["AAA_STORE"] = store
    reg = aaa("reg", "--email", "ops@example.test", "--agree", "--store", store)
    assert reg.returncode == 0, reg.stderr
    return e
