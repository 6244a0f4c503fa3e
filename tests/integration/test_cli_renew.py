"""aaa renew: what is due by the scheduler's rule, nothing else, with what each
certificate was issued with (names, key type, ACME profile, targets)."""

import json
import os
import uuid

import pytest

from tests.integration.stack import storeindex
from tests.integration.test_cli_profiles import _ProfileShim, ordered_profiles


@pytest.fixture
def profile_ca(pebble):
    s = _ProfileShim(pebble)
    yield s
    s.close()


def _index_path(store):
    return os.path.join(store, "aaa-data", "v1", "index.json")


def _meta(store, name):
    with open(os.path.join(store, "aaa-data", "v1", "certs", name, "meta.json")) as f:
        return json.load(f)


def _make_due(store, name):
    """The renewal time in the past, as the scheduler would find it on a later day
    (one index change, as a writer records it)."""
    storeindex.edit(store, name, renew_after="2000-01-01T00:00:00Z")


def test_renew_only_what_is_due_with_its_stored_profile(aaa, aws, pebble, profile_ca,
                                                         tmp_path):
    zone = f"r{uuid.uuid4().hex[:8]}.example.test"
    aws.create_zone(zone)
    store = str(tmp_path / "store")
    s = ["--store", f"file://{store}", "--directory", profile_ca.url]
    aaa = profile_ca.runner(aaa)
    assert aaa("reg", "-m", f"a@{zone}", "--agree", *s).returncode == 0
    a, b = f"a.{zone}", f"b.{zone}"
    p = aaa("cert", "--cn", a, "-d", f"www.{a}", "--key-type", "rsa2048",
            "--acme-profile", "shortlived", *s)
    assert p.returncode == 0, p.stderr
    assert aaa("cert", "--cn", b, *s).returncode == 0
    first_a, first_b = _meta(store, a)["serial"], _meta(store, b)["serial"]

    # Nothing due: exit 0, a line each, and not one request to the CA.
    pebble.reset_stats()
    p = aaa("renew", *s)
    assert p.returncode == 0, p.stderr
    lines = sorted(p.stdout.splitlines())
    assert len(lines) == 2 and all(": not renewed: not due until " in x for x in lines), lines
    assert pebble.count() == 0, pebble.stats()

    # One due: exactly that one, with its names, key type and ACME profile.
    _make_due(store, a)
    pebble.reset_stats()
    p = aaa("renew", *s)
    assert p.returncode == 0, p.stderr
    out = {x.split(":", 1)[0]: x for x in p.stdout.splitlines()}
    assert "renewing: due since 2000-01-01" in out[a] or f"{a}: renewed" in p.stdout
    assert f"{a}: renewed: serial " in p.stdout
    assert f"{b}: not renewed: not due until" in out[b]
    assert pebble.count("newOrder") == 1
    assert ordered_profiles(pebble) == ["shortlived"]
    m = _meta(store, a)
    assert m["serial"] != first_a and m["key_type"] == "rsa2048"
    assert sorted(m["names"]) == sorted([a, f"www.{a}"])
    assert _meta(store, b)["serial"] == first_b

    # --force renews what is not due; --domain picks.
    pebble.reset_stats()
    p = aaa("renew", "-d", b, "--force", *s)
    assert p.returncode == 0, p.stderr
    assert f"{b}: renewing: --force; not due until" in p.stdout and a not in p.stdout
    assert pebble.count("newOrder") == 1 and ordered_profiles(pebble) == [None]
    assert _meta(store, b)["serial"] != first_b


def test_renew_bad_input_writes_nothing(aaa, pebble, tmp_path):
    store = str(tmp_path / "store")
    s = ["--store", f"file://{store}"]
    assert aaa("reg", "-m", "a@example.test", "--agree", *s).returncode == 0
    with open(_index_path(store), "rb") as f:
        before = f.read()
    pebble.reset_stats()
    p = aaa("renew", "-d", "not-stored.example.test", *s)
    assert p.returncode == 1
    assert "not-stored.example.test: no stored certificate" in p.stderr
    p = aaa("renew", "--random-delay", "soon", *s)
    assert p.returncode == 2 and "--random-delay" in p.stderr
    p = aaa("renew", "--random-delay", "3", *s)  # nothing due: no wait, no request
    assert p.returncode == 0 and p.stdout == ""
    assert pebble.count() == 0
    with open(_index_path(store), "rb") as f:
        assert f.read() == before
