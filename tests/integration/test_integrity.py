"""Integrity against a hostile CA, kills and odd files (the real binary, the real stack).

The hostile CA is pebble behind its proxy with one answer rewritten
(stack/hostile.py); the kill tests send real signals to the real aaa at random
points and check afterwards, with a re-run, that no TXT record is left, that at
most one extra order was made per kill and that the stored key matches the
stored certificate (and the synced one).
"""

import hashlib
import json
import os
import random
import signal
import stat
import subprocess
import time
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.integration.stack import storeindex
from tests.integration.stack.hostile import CAHook, HostileCA

# Counted by the tests below (printed at the end of the module's run with -s).
TRIED = {"hostile": 0, "kills": 0}


@pytest.fixture(scope="module", autouse=True)
def _report_counts():
    """With -s: how many hostile answers and kill points the module tried."""
    yield
    print(f"\nintegrity: {TRIED['hostile']} hostile CA answers, {TRIED['kills']} kills "
          f"delivered (each one checked by the tests above)")


def _json(proc):
    assert proc.returncode == 0, f"exit {proc.returncode}\nstdout: {proc.stdout}\nstderr: {proc.stderr}"
    return json.loads(proc.stdout)


@pytest.fixture
def store(tmp_path):
    return f"file://{tmp_path}/store"


def _root(store):
    return os.path.join(store[len("file://"):], "aaa-data", "v1")


def _read(store, *parts):
    with open(os.path.join(_root(store), *parts), "rb") as f:
        return f.read()


@pytest.fixture
def zone(aws):
    name = f"z{uuid.uuid4().hex[:8]}.example.test"
    return {"name": name, "id": aws.create_zone(name)}


def _txt(aws, zone_id):
    return aws.records(zone_id, rtype="TXT")


@pytest.fixture
def hca(aaa, store, pebble_factory, stack, tmp_path):
    """A pebble of our own (the hostile tricks never touch the session's), registered."""
    p = pebble_factory()
    env = stack.aaa_env(tmp_path / "h", pebble=p)

    def run(*args, **kw):
        return aaa(*args, "--store", store, env=env, **kw)

    _json(run("reg", "--email", "admin@example.test", "--agree"))
    run.pebble = p
    run.env = env
    return run


def _pair_matches(store, name):
    key = serialization.load_pem_private_key(_read(store, "certs", name, "privkey.pem"), None)
    cert = x509.load_pem_x509_certificate(_read(store, "certs", name, "cert.pem"))
    full = x509.load_pem_x509_certificate(_read(store, "certs", name, "fullchain.pem"))
    pub = serialization.PublicFormat.SubjectPublicKeyInfo
    enc = serialization.Encoding.DER
    k = key.public_key().public_bytes(enc, pub)
    return (k == cert.public_key().public_bytes(enc, pub) and
            k == full.public_key().public_bytes(enc, pub) and cert == full)


def _snapshot(store, name):
    d = os.path.join(_root(store), "certs", name)
    out = {}
    for dirpath, _, files in os.walk(d):
        for f in files:
            p = os.path.join(dirpath, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, d)] = hashlib.sha256(fh.read()).hexdigest()
    return out


# -- 1. what the CA returns is checked before anything is stored ---------------------------

@pytest.mark.parametrize("trick,words", [
    ("other_key", "public key is not the key of the request"),
    ("extra_name", "which was not asked for"),
    ("drop_name", "does not name"),
    ("expired", "has expired"),
    ("broken_chain", "chain does not link"),
])
def test_a_bad_certificate_is_refused_and_the_store_is_untouched(hca, store, zone, aws, trick,
                                                                  words):
    name = f"www.{zone['name']}"
    names = ["--cn", name, "--domain", f"api.{zone['name']}"]
    _json(hca("cert", *names))
    before = _snapshot(store, name)
    meta_before = json.loads(_read(store, "certs", name, "meta.json"))
    with HostileCA(hca.pebble, trick) as h:
        p = hca("cert", *names, "--create-key")
    TRIED["hostile"] += 1
    assert h.seen >= 1
    assert p.returncode == 1, p.stdout + p.stderr
    assert words in p.stderr and "nothing was stored" in p.stderr, p.stderr
    after = _snapshot(store, name)
    # Certificate, key, chain and history as they were; meta.json only counts the failure.
    assert {k: v for k, v in after.items() if k != "meta.json"} == \
        {k: v for k, v in before.items() if k != "meta.json"}
    meta = json.loads(_read(store, "certs", name, "meta.json"))
    for k in ("names", "serial", "not_after"):
        assert meta[k] == meta_before[k]
    assert _pair_matches(store, name)
    assert _txt(aws, zone["id"]) == []
    # And the next honest run renews with both names (none was lost).
    _json(hca("cert", *names))
    assert sorted(json.loads(_read(store, "certs", name, "meta.json"))["names"]) == \
        sorted([name, f"api.{zone['name']}"])


# -- 4. one certificate, one name ---------------------------------------------------------

def test_names_are_case_folded_and_lose_a_trailing_dot(hca, store, zone):
    z = zone["name"]
    _json(hca("cert", "--cn", f"Case.{z.upper()}"))
    _json(hca("cert", "--cn", f"case.{z}."))
    idx = storeindex.merged(store)
    assert [k for k in idx["certs"] if k.lower().startswith("case.")] == [f"case.{z}"]
    meta = json.loads(_read(store, "certs", f"case.{z}", "meta.json"))
    assert meta["name"] == f"case.{z}" and meta["names"] == [f"case.{z}"]
    assert sorted(os.listdir(os.path.join(_root(store), "certs"))) == [f"case.{z}"]


# -- 3. kills ---------------------------------------------------------------------------

def _start(aaa_bin, env, store, *args):
    return subprocess.Popen([aaa_bin, *args, "--store", store], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _kill_when(proc, pebble, aws, when, sig, rng):
    """Send sig when the run reaches a point: after the nth ACME or Route53 request, or
    after a random delay; returns True if it was still running."""
    kind, n = when
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if kind == "acme" and pebble.count() >= n:
            break
        if kind == "route53" and aws.proxy.count(service="route53") >= n:
            break
        if kind == "delay":
            time.sleep(n)
            break
        time.sleep(0.002)
    if proc.poll() is not None:
        return False
    time.sleep(rng.random() * 0.02)
    proc.send_signal(sig)
    return True


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_kills_at_random_points_leave_no_record_and_a_matching_pair(aaa_bin, hca, store, zone,
                                                                    aws, tmp_path, sig):
    rng = random.Random(int(os.environ.get("AAA_KILL_SEED", "0")) or None)
    p = hca.pebble
    name = f"k.{zone['name']}"
    args = ["cert", "--cn", name, "--domain", f"k2.{zone['name']}", "--create-key"]
    points = [("acme", n) for n in (3, 5, 7, 9, 11)] + [("route53", n) for n in (1, 2, 3, 4)]
    points.append(("delay", rng.random() * 0.5))
    rng.shuffle(points)
    sync_dir = tmp_path / "live"
    for when in points:
        p.reset_stats()
        aws.proxy.reset_stats()
        proc = _start(aaa_bin, hca.env, store, *args)
        killed = _kill_when(proc, p, aws, when, sig, rng)
        out, err = proc.communicate(timeout=120)
        if killed:
            TRIED["kills"] += 1
            if sig != signal.SIGKILL and proc.returncode != 0:
                # Ctrl-C / SIGTERM: the records are gone before the process is.
                # (-sig: killed during start-up, before the handler exists and before
                # anything was published.)
                assert proc.returncode in (128 + sig, 1, -sig), (when, proc.returncode, err)
                assert _txt(aws, zone["id"]) == [], (when, err)
        # The re-run finishes (or adopts the killed job) and cleans up.
        r = hca(*args)
        assert r.returncode == 0, (when, r.stderr)
        # The killed run and its re-run: at most one order more than one run needs.
        orders = p.count("newOrder")
        assert orders <= 2, (when, orders)
        assert _txt(aws, zone["id"]) == [], when
        assert _pair_matches(store, name), when
        _json(hca("sync", "--domain", name, "--dir", str(sync_dir)))
        key = serialization.load_pem_private_key((sync_dir / "privkey.pem").read_bytes(), None)
        cert = x509.load_pem_x509_certificate((sync_dir / "cert.pem").read_bytes())
        assert key.public_key().public_numbers() == cert.public_key().public_numbers()
    print(f"\nkill points tried ({signal.Signals(sig).name}): {TRIED['kills']}")


def _kill_when_the_ca_took(aaa_bin, hca, store, args, action, before_kill=None):
    """Runs aaa and SIGKILLs it as soon as the CA answers its `action` request with 200:
    the CA took it, aaa never reads the answer. (A refusal, such as pebble's random
    badNonce, does not count.)"""
    proc = _start(aaa_bin, hca.env, store, *args)

    def hook(method, path, info, status, headers, body):
        if info.get("action") == action and method == "POST" and status == 200 \
                and proc.poll() is None:
            if before_kill:
                before_kill()
            proc.kill()
            proc.wait()
        return status, headers, body

    with CAHook(hca.pebble, hook):
        proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL


def test_a_challenge_answered_before_a_kill_is_not_an_error_on_resume(aaa_bin, hca, store,
                                                                       zone, aws, stack):
    """The CA took the answer, the process died before it heard back: the re-run's
    first read of the authorization still says "pending" (a lagging CA), so it answers
    again; the CA refuses ("not pending") and the job goes on after reading it again."""
    p = hca.pebble
    name = f"a.{zone['name']}"
    args = ["cert", "--cn", name, "--domain", f"a2.{zone['name']}", "--create-key"]
    txt = f"_acme-challenge.{name}".lower()
    queried = []

    def lookups():
        return sum(1 for q in list(stack.dns.queries)
                   if str(q["name"]).lower().rstrip(".") == txt)

    # Killed before aaa reads the answer: its job still says dns_insync.
    _kill_when_the_ca_took(aaa_bin, hca, store, args, "challenge",
                           before_kill=lambda: queried.append(lookups()))
    # pebble queues the validation: once its VA looked the record up, the challenge
    # has left "pending" (it may have before the kill: then no lookup comes after).
    end = time.monotonic() + 10
    while queried and lookups() <= queried[0] and time.monotonic() < end:
        time.sleep(0.05)
    p.reset_stats()
    with HostileCA(p, "stale_once") as h:
        r = hca(*args, extra_env={"AAA_LOG_LEVEL": "info"})
    TRIED["hostile"] += 1
    assert h.seen >= 1, r.stderr
    assert r.returncode == 0, r.stderr
    assert "already answered" in r.stderr, r.stderr
    assert p.count("challenge") >= 1  # the answer was sent again and refused
    assert p.count("newOrder") == 0  # the killed job's order, adopted
    assert _txt(aws, zone["id"]) == []
    assert _pair_matches(store, name)


def test_an_order_still_being_issued_on_resume_is_waited_for(aaa_bin, hca, store, zone, aws):
    """Killed right after finalize: the re-run finds the order "processing" (the CA
    still issuing) and waits for it, instead of failing "not ready to finalize"."""
    p = hca.pebble
    name = f"f.{zone['name']}"
    args = ["cert", "--cn", name, "--create-key"]
    _kill_when_the_ca_took(aaa_bin, hca, store, args, "finalize")  # the job says authorized
    lied = []

    def processing_once(method, path, info, status, headers, body):
        obj = json.loads(body) if info.get("action") == "order" and status == 200 else None
        if not lied and isinstance(obj, dict) and obj.get("status") == "valid":
            obj["status"] = "processing"
            obj.pop("certificate", None)
            lied.append(path)
            return status, headers, json.dumps(obj).encode()
        return status, headers, body

    p.reset_stats()
    with CAHook(p, processing_once):
        r = hca(*args)
    assert lied, "the re-run never read the order"
    assert r.returncode == 0, r.stderr
    assert p.count("newOrder") == 0 and p.count("finalize") == 0  # the killed job's order
    assert _txt(aws, zone["id"]) == []
    assert _pair_matches(store, name)


def test_a_kill_once_the_job_key_is_deleted_leaves_a_job_that_finishes(aaa_bin, aaa, aws,
                                                                      aws_resources, stack,
                                                                      tmp_path):
    """The job's new key is deleted once the certificate is stored with it. Killed
    right after that delete, the re-run must not need the key again (it used to resume
    before the store and fail: "the key of the request is missing from the store")."""
    res = aws_resources
    s3 = ["--s3-bucket", res["bucket"], "--s3-kms-key", res["kms_key_id"]]
    env = stack.aaa_env(tmp_path / "h")
    _json(aaa("reg", "--email", "a@example.test", "--agree", *s3, env=env))
    name = f"ks.{res['zone']}"
    args = ["cert", "--cn", name, "--create-key", *s3]
    proc = subprocess.Popen([aaa_bin, *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deleted = []

    def kill_on_key_delete(method, path, info, status, headers, body):
        p = path.split("?")[0]
        if method == "DELETE" and "/jobs/" in p and p.endswith(".key.pem") and \
                status < 300 and proc.poll() is None:
            deleted.append(p)
            proc.kill()
            proc.wait()
        return status, headers, body

    aws.proxy.mutate = kill_on_key_delete
    try:
        proc.communicate(timeout=120)
    finally:
        aws.proxy.mutate = None
    assert deleted and proc.returncode == -signal.SIGKILL, (deleted, proc.returncode)
    r = aaa(*args, env=env)
    assert r.returncode == 0, r.stderr
    live = tmp_path / "live"
    _json(aaa("sync", "--domain", name, "--dir", str(live), *s3, env=env))
    key = serialization.load_pem_private_key((live / "privkey.pem").read_bytes(), None)
    cert = x509.load_pem_x509_certificate((live / "cert.pem").read_bytes())
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()


# -- 2. a key and its certificate change together ------------------------------------------

def test_a_torn_store_falls_back_to_the_version_meta_names(hca, store, zone, tmp_path):
    name = f"t.{zone['name']}"
    _json(hca("cert", "--cn", name))
    old_key = _read(store, "certs", name, "privkey.pem")
    _json(hca("cert", "--cn", name, "--create-key"))
    assert _read(store, "certs", name, "privkey.pem") != old_key
    # A writer killed after privkey.pem but before cert.pem: the new key beside the old
    # certificate. Simulate it by putting the other version's key back.
    with open(os.path.join(_root(store), "certs", name, "privkey.pem"), "wb") as f:
        f.write(old_key)
    live = tmp_path / "live"
    hook_ran = tmp_path / "hook-ran"
    out = hca("sync", "--domain", name, "--dir", str(live), "--post-hook", f"touch {hook_ran}")
    _json(out)
    assert "do not match" in out.stderr
    key = serialization.load_pem_private_key((live / "privkey.pem").read_bytes(), None)
    cert = x509.load_pem_x509_certificate((live / "cert.pem").read_bytes())
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()
    meta = json.loads(_read(store, "certs", name, "meta.json"))
    assert format(cert.serial_number, "x").lstrip("0") == meta["serial"].lstrip("0")
    # With the version gone too, sync refuses and the hook does not run.
    os.unlink(os.path.join(_root(store), "certs", name, "history", meta["serial"] + ".key"))
    hook_ran.unlink()
    bad = hca("sync", "--domain", name, "--dir", str(tmp_path / "other"), "--post-hook",
              f"touch {hook_ran}")
    assert bad.returncode == 1 and "keyMismatch" in bad.stderr or \
        "does not match" in bad.stderr, bad.stderr
    assert not hook_ran.exists()
    assert not (tmp_path / "other" / "privkey.pem").exists()


# -- 9. sync touches regular files only; the hook gets fds 0-2 ---------------------------------

def test_sync_replaces_fifos_and_symlinks_and_the_hook_gets_no_sockets(aaa, aws_resources,
                                                                       tmp_path):
    res = aws_resources
    s3 = ["--s3-bucket", res["bucket"], "--s3-kms-key", res["kms_key_id"]]

    def hca(*args, **kw):
        return aaa(*args, *s3, **kw)

    _json(hca("reg", "--email", "a@example.test", "--agree"))
    name = f"f.{res['zone']}"
    _json(hca("cert", "--cn", name))
    live = tmp_path / "live"
    live.mkdir()
    os.mkfifo(live / "cert.pem")
    victim = tmp_path / "victim"
    victim.write_text("precious")
    os.chmod(victim, 0o644)
    os.symlink(victim, live / "privkey.pem")
    fds = tmp_path / "fds"
    hook = f"ls -l /proc/$$/fd > {fds}"
    r = hca("sync", "--domain", name, "--dir", str(live), "--post-hook", hook, timeout=30)
    _json(r)
    for f in ("cert.pem", "privkey.pem"):
        st = os.lstat(live / f)
        assert stat.S_ISREG(st.st_mode), f
    assert stat.S_IMODE(os.stat(live / "privkey.pem").st_mode) == 0o600
    assert victim.read_text() == "precious"
    assert stat.S_IMODE(os.stat(victim).st_mode) == 0o644, "never chmod'ed through a link"
    listing = fds.read_text()
    assert "socket:" not in listing, listing
    nums = sorted(int(line.split()[8]) for line in listing.splitlines()[1:] if "->" in line)
    assert all(n <= 2 for n in nums if n != 10), listing


# -- 7. nothing from outside writes control characters -------------------------------------

def _no_controls(text):
    bad = [c for c in text if (ord(c) < 0x20 and c not in "\n\t") or 0x7f <= ord(c) <= 0x9f]
    return not bad


def test_control_characters_from_the_ca_are_escaped(aaa, aaa_bin, store, pebble_factory, stack,
                                                   zone, tmp_path):
    p = pebble_factory()
    env = stack.aaa_env(tmp_path / "h", pebble=p)
    env["AAA_LOG_LEVEL"] = "debug"
    with HostileCA(p, "control_chars") as h:
        terms = subprocess.run([aaa_bin, "reg", "--email",
                                "a@example.test", "--store", store], env=env,
                               capture_output=True, timeout=60)
        TRIED["hostile"] += 1
        _json(aaa("reg", "--email", "a@example.test", "--agree", "--store", store, env=env))
        order = subprocess.run([aaa_bin, "cert", "--cn",
                                f"c.{zone['name']}", "--store", store], env=env,
                               capture_output=True, timeout=60)
        TRIED["hostile"] += 1
    assert h.seen >= 2
    for proc in (terms, order):
        err = proc.stderr.decode("utf-8", "replace")
        assert proc.returncode == 1
        assert _no_controls(err), repr(err)
        assert "pwned" in err, err
    assert "rejectedIdentifier" in order.stderr.decode()


# -- 6. signed requests only to the directory's origin ---------------------------------------

@pytest.mark.parametrize("trick", ["foreign_url", "http_url"])
def test_urls_off_the_directory_origin_are_refused(hca, store, zone, aws, trick):
    name = f"o.{zone['name']}"
    p = hca.pebble
    with HostileCA(p, trick) as h:
        p.reset_stats()
        r = hca("cert", "--cn", name)
    TRIED["hostile"] += 1
    assert h.seen >= 1
    assert r.returncode == 1, r.stderr
    assert "not on the directory's origin" in r.stderr and "AAA_ACME_ALLOW_ORIGINS" in r.stderr
    assert p.count("finalize") == 0
    assert _txt(aws, zone["id"]) == []
    assert not os.path.exists(os.path.join(_root(store), "certs", name))


def test_an_origin_the_user_allows_is_used(hca, store, zone):
    name = f"a.{zone['name']}"
    p = hca.pebble
    port = p.proxy.port
    with HostileCA(p, "foreign_url"):
        p.reset_stats()
        r = hca("cert", "--cn", name,
                extra_env={"AAA_ACME_ALLOW_ORIGINS": f"https://localhost:{port}"})
    # The finalize went to the allowed origin (pebble itself then refuses a JWS whose kid
    # names the other host: its answer, not our refusal).
    assert p.count("finalize") == 1
    assert "not on the directory's origin" not in r.stderr


# -- 10. caps on what a CA can make us do ------------------------------------------------------

@pytest.mark.parametrize("trick,words", [
    ("many_authz", "1000 authorizations for 2 names"),
    ("dup_authz", "twice"),
    ("bad_token", "not base64url"),
])
def test_order_caps_and_tokens(hca, zone, aws, trick, words):
    p = hca.pebble
    with HostileCA(p, trick) as h:
        p.reset_stats()
        r = hca("cert", "--cn", f"c.{zone['name']}", "--domain", f"d.{zone['name']}")
    TRIED["hostile"] += 1
    assert h.seen >= 1
    assert r.returncode == 1 and words in r.stderr, r.stderr
    assert "see above" not in r.stderr
    if trick != "bad_token":
        assert p.count("authz") == 0, "refused before any authorization request"
    assert _txt(aws, zone["id"]) == []


# -- 5. an order that never validates fails with the CA's state, records removed -----------------

def test_an_order_that_never_validates_fails_and_cleans_up(hca, zone, aws):
    p = hca.pebble
    with HostileCA(p, "never_validate") as h:
        r = hca("cert", "--cn", f"n.{zone['name']}",
                extra_env={"AAA_MAX_WAIT_S": "3"})
    TRIED["hostile"] += 1
    assert h.seen >= 1
    assert r.returncode == 1
    assert "still pending" in r.stderr, r.stderr
    assert _txt(aws, zone["id"]) == []


# -- 8. the EAB HMAC key from the environment or a file ---------------------------------------------

@pytest.mark.parametrize("how", ["env", "file"])
def test_eab_hmac_key_from_env_or_file(aaa_bin, store, pebble_factory, stack, tmp_path, how):
    from tests.integration.stack import make_eab_key
    kid, hmac = "kid-1", make_eab_key()
    p = pebble_factory(eab_keys={kid: hmac}, eab_required=True)
    env = stack.aaa_env(tmp_path / "h", pebble=p)
    if how == "env":
        env["AAA_EAB_HMAC_KEY"] = hmac
    else:
        f = tmp_path / "eab"
        f.write_text(hmac + "\n")
        os.chmod(f, 0o600)
        env["AAA_EAB_HMAC_KEY_FILE"] = str(f)
    proc = subprocess.Popen([aaa_bin, "reg", "--email",
        "a@example.test", "--agree", "--eab-kid", kid, "--store", store], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        with open(f"/proc/{proc.pid}/cmdline", "rb") as fh:
            assert hmac.encode() not in fh.read()
    except FileNotFoundError:
        pass
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert json.loads(out)["created"] is True
    assert hmac not in out + err


# -- 11. objects are trusted only with the store's key ---------------------------------------------

@pytest.mark.parametrize("how", ["sse-s3", "other-kms-key"])
def test_an_object_not_under_the_stores_key_is_refused(aaa, aws, aws_resources, tmp_path, how):
    res = aws_resources
    s3args = ["--s3-bucket", res["bucket"], "--s3-kms-key", res["kms_key_id"]]
    _json(aaa("reg", "--email", "a@example.test", "--agree", *s3args))
    name = f"s.{res['zone']}"
    _json(aaa("cert", "--cn", name, *s3args))
    s3 = aws.direct_client("s3")
    key = f"aaa-data/v1/certs/{name}/privkey.pem"
    good = s3.get_object(Bucket=res["bucket"], Key=key)
    assert good["ServerSideEncryption"] == "aws:kms"
    assert good["SSEKMSKeyId"].endswith(res["kms_key_id"])
    body = good["Body"].read()
    if how == "sse-s3":
        s3.put_object(Bucket=res["bucket"], Key=key, Body=body, ServerSideEncryption="AES256")
        words = "not SSE-KMS"
    else:
        other = aws.create_kms_key(alias=f"other-{uuid.uuid4().hex[:6]}")
        s3.put_object(Bucket=res["bucket"], Key=key, Body=body, ServerSideEncryption="aws:kms",
                      SSEKMSKeyId=other["key_id"])
        words = "not the store's key"
    hook = tmp_path / "hook-ran"
    r = aaa("sync", "--domain", name, "--dir", str(tmp_path / "live"), "--post-hook",
            f"touch {hook}", *s3args)
    assert r.returncode == 1, r.stderr
    assert words in r.stderr and "privkey.pem" in r.stderr, r.stderr
    assert not hook.exists()
    assert not (tmp_path / "live" / "privkey.pem").exists()
