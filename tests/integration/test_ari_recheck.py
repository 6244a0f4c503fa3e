"""The scheduler asks the CA again (issue 16 item 5): ARI's renewalInfo is fetched at
issuance and the time to ask again (its Retry-After) stored; each pass asks again, with
an unauthenticated GET, for the certificates whose time has come, and renews at once
those whose window the CA moved into the past (a mass revocation); the renewal names
the certificate it replaces.

Debian's pebble 2.4 has no ARI: an ARI-capable CA is pebble behind its proxy, whose
mutate hook adds renewalInfo to the directory and answers renewalInfo GETs with a
window the test moves (pebble itself accepts and ignores `replaces`).
"""
import base64
import datetime
import importlib
import json
import os
import threading

import pytest

from tests.integration.stack import schedpass, storeindex, util
from tests.integration.stack.hostile import CAHook

emulator = importlib.import_module("tests.integration.lambda.emulator")


class AriCA(CAHook):
    """pebble with renewalInfo: the directory lists it, GETs of it get `window`, or
    `moved[id]` for a certificate whose window the CA moved (a revoked one: its
    replacement gets `window` again)."""

    def __init__(self, pebble):
        super().__init__(pebble)
        self.window = {"start": "2030-01-02T04:00:00Z", "end": "2030-01-03T04:00:00Z"}
        self.retry_after = "21600"
        self.asked = []
        self.moved = {}
        # gate(peak, total): each renewalInfo answer is held until `peak` are held at
        # once or `total` came (10 s at most); max_held is the most held at once.
        self.peak = self.total = None
        self.held = self.seen = self.max_held = 0
        self.cond = threading.Condition()

    def gate(self, peak, total):
        with self.cond:
            self.peak, self.total = peak, total
            self.held = self.seen = self.max_held = 0

    def _hold(self):
        with self.cond:
            self.held += 1
            self.seen += 1
            self.max_held = max(self.max_held, self.held)
            self.cond.notify_all()
            self.cond.wait_for(lambda: self.held >= self.peak or self.seen >= self.total,
                               timeout=10)
            self.held -= 1

    def mutate(self, method, path, info, status, headers, body):
        action = info.get("action")
        if action == "directory" and status == 200:
            obj = json.loads(body)
            obj["renewalInfo"] = self.pebble.url + "/renewal-info/"
            return status, headers, json.dumps(obj).encode()
        if action == "renewalInfo":
            assert method == "GET"
            cert_id = path.rsplit("/", 1)[1]
            self.asked.append(cert_id)
            if self.peak:
                self._hold()
            out = json.dumps({"suggestedWindow": self.moved.get(cert_id, self.window),
                              "explanationURL": "https://ca.example/incident"}).encode()
            return 200, [("Content-Type", "application/json"),
                         ("Retry-After", self.retry_after)], out
        return status, headers, body


@pytest.fixture
def ari(pebble):
    with AriCA(pebble) as a:
        yield a


@pytest.fixture
def env(env, ari):
    """The ARI CA stands in front of pebble before the account is made."""
    return env


def _cert_id(pem):
    from cryptography import x509
    cert = x509.load_pem_x509_certificate(pem.encode())
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    n = cert.serial_number
    serial = n.to_bytes((n.bit_length() + 8) // 8, "big")
    b64u = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()  # noqa: E731
    return b64u(aki.key_identifier) + "." + b64u(serial)


def test_a_window_moved_into_the_past_renews_at_once_with_replaces(task_root, aaa, env,
                                                                    zone, ari, pebble):
    name = f"ari.{zone['name']}"
    r = aaa("cert", "--cn", name, "--store", env["AAA_STORE"])
    assert r.returncode == 0, r.stderr
    with open(storeindex.path(env["AAA_STORE"], "certs", name, "cert.pem")) as f:
        cert_id = _cert_id(f.read())
    assert ari.asked == [cert_id], "the window is fetched at issuance"
    meta = storeindex.load(env["AAA_STORE"], "certs", name, "meta.json")
    # Before that time, a pass does not ask (and it folds the new index entry).
    out, execs, _ = schedpass.run(task_root, env, scheduler_timeout=60)
    assert out["ari_checked"] == [] and execs == [] and len(ari.asked) == 1
    entry = storeindex.load(env["AAA_STORE"], "index.json")["certs"][name]
    assert entry["ari_id"] == meta["ari_id"] == cert_id
    # the time to ask again: the CA's Retry-After (6 h) from now
    nxt = util.parse_utc(entry["ari_next"])
    now = util.utc_now()
    assert now + datetime.timedelta(hours=5.9) < nxt < now + datetime.timedelta(hours=6.1)

    # Time passes: the pass asks once; the window has not moved, nothing renews, and what
    # the CA said (ask again in 2 h now) is kept, so the next pass does not ask.
    idx = storeindex.load(env["AAA_STORE"], "index.json")
    idx["certs"][name]["ari_next"] = "2020-01-01T00:00:00Z"
    storeindex.save(env["AAA_STORE"], idx, "index.json")
    ari.retry_after = "7200"
    out, execs, _ = schedpass.run(task_root, env, scheduler_timeout=60)
    assert out["ari_checked"] == [name] and out["ari_moved"] == [] and execs == [], out
    assert ari.asked == [cert_id, cert_id]
    # what the CA said is in the certificate's index entry, folded with the rest
    entry = storeindex.load(env["AAA_STORE"], "index.json")["certs"][name]
    st = entry["ari_check"]
    assert entry["serial"] == meta["serial"] and st["start"] == ari.window["start"]
    assert not os.path.exists(storeindex.path(env["AAA_STORE"], "fleet", "ari.json")), \
        "no object of its own"
    now = util.utc_now()
    assert now + datetime.timedelta(hours=1.9) < util.parse_utc(st["next"]) < \
        now + datetime.timedelta(hours=2.1)
    out, execs, _ = schedpass.run(task_root, env, scheduler_timeout=60)
    assert out["ari_checked"] == [] and len(ari.asked) == 2

    # A mass revocation: the CA moves the window into the past. Once its Retry-After has
    # passed, the next pass asks, hears it, and renews at once, naming the old one.
    ari.moved[cert_id] = {"start": util.iso_utc(util.utc_now() - datetime.timedelta(hours=1)),
                          "end": util.iso_utc(util.utc_now() + datetime.timedelta(hours=23))}
    idx = storeindex.load(env["AAA_STORE"], "index.json")
    idx["certs"][name]["ari_check"]["next"] = "2020-01-01T00:00:00Z"
    storeindex.save(env["AAA_STORE"], idx, "index.json")
    pebble.reset_stats()
    out, execs, _ = schedpass.run(task_root, env, scheduler_timeout=60)
    assert out["ari_checked"] == [name] and out["ari_moved"] == [name], out
    renewed = out["renewing"]
    assert renewed == [name], out
    assert [p for p, _ in execs if name in json.dumps(p)], execs
    new = storeindex.load(env["AAA_STORE"], "certs", name, "meta.json")
    assert new["serial"] != meta["serial"], "renewed"
    orders = [e for e in pebble.proxy.stats()["requests"] if e.get("action") == "newOrder"]
    assert [o["payload"].get("replaces") for o in orders] == [cert_id], orders

    # What was heard about the replaced certificate goes with it; the new one starts afresh.
    out, execs, _ = schedpass.run(task_root, env, scheduler_timeout=60)
    assert out["renewing"] == [] and execs == [], out
    entry = storeindex.load(env["AAA_STORE"], "index.json")["certs"][name]
    assert entry["serial"] == new["serial"] and "ari_check" not in entry


def test_the_ca_is_asked_side_by_side_at_most_8_at_once(task_root, aaa, env, zone, ari):
    """13 certificates whose time to ask again has come: the pass sends their renewalInfo
    GETs side by side, never more than http_get_many's 8 at once (the CA holds each answer
    until 8 are open, so one at a time would show 1), and hears every answer."""
    name = f"ari.{zone['name']}"
    r = aaa("cert", "--cn", name, "--store", env["AAA_STORE"])
    assert r.returncode == 0, r.stderr
    schedpass.run(task_root, env, scheduler_timeout=60)  # folds the entry into index.json
    idx = storeindex.load(env["AAA_STORE"], "index.json")
    entry = idx["certs"][name]
    names = [name] + [f"c{i:02d}.{zone['name']}" for i in range(12)]
    for i, n in enumerate(names):
        e = dict(entry, ari_next="2020-01-01T00:00:00Z")
        if n != name:  # more versions for the CA to answer about, as index entries
            e["ari_id"] = f"{entry['ari_id']}{i:02d}"
            e["serial"] = f"{entry['serial']}{i:02d}"
        idx["certs"][n] = e
    storeindex.save(env["AAA_STORE"], idx, "index.json")
    ari.asked.clear()
    ari.gate(peak=8, total=len(names))
    out, execs, _ = schedpass.run(task_root, env, scheduler_timeout=60)
    assert sorted(out["ari_checked"]) == sorted(names), out
    certs = storeindex.load(env["AAA_STORE"], "index.json")["certs"]
    assert sorted(ari.asked) == sorted(certs[n]["ari_id"] for n in names)
    assert ari.max_held == 8, "side by side, and never more than 8 at once"
    assert out["ari_moved"] == [] and execs == []


def test_an_old_fleet_ari_json_is_folded_into_the_index_and_deleted(task_root, aaa, env,
                                                                    zone, ari):
    """A store from before the state moved into the index entries: the first pass folds
    what fleet/ari.json says about the versions the index holds into their entries and
    deletes the file; what it says about another version or name is dropped."""
    name = f"old.{zone['name']}"
    r = aaa("cert", "--cn", name, "--store", env["AAA_STORE"])
    assert r.returncode == 0, r.stderr
    schedpass.run(task_root, env, scheduler_timeout=60)
    serial = storeindex.load(env["AAA_STORE"], "index.json")["certs"][name]["serial"]
    heard = {"start": "2030-02-01T00:00:00Z", "end": "2030-02-02T00:00:00Z",
             "next": "2030-01-01T00:00:00Z", "checked": "2026-01-01T00:00:00Z"}
    os.makedirs(storeindex.path(env["AAA_STORE"], "fleet"), exist_ok=True)
    old = {name: dict(heard, serial=serial), f"gone.{zone['name']}": dict(heard, serial="01"),
           f"x.{zone['name']}": dict(heard, serial=serial)}
    storeindex.save(env["AAA_STORE"], old, "fleet", "ari.json")
    asked = len(ari.asked)
    out, execs, _ = schedpass.run(task_root, env, scheduler_timeout=60)
    assert out["ari_checked"] == [] and len(ari.asked) == asked, "its next time is later"
    idx = storeindex.load(env["AAA_STORE"], "index.json")
    assert idx["certs"][name]["ari_check"] == heard
    assert set(idx["certs"]) == {name}
    assert not os.path.exists(storeindex.path(env["AAA_STORE"], "fleet", "ari.json"))
    # and the next pass goes by the index alone
    out, execs, _ = schedpass.run(task_root, env, scheduler_timeout=60)
    assert out["ari_checked"] == [] and execs == []
    assert storeindex.load(env["AAA_STORE"], "index.json")["certs"][name]["ari_check"] == heard


def test_a_batch_renews_the_versions_whose_window_moved(task_root, aaa, env, zone, ari,
                                                        pebble):
    """Two certificates of one zone go out as one batch (due_only): the executor's own
    rule does not know the moved window, so the batch names the versions that are due
    by it, and both are renewed, each replacing its predecessor."""
    names = [f"b{i}.{zone['name']}" for i in range(2)]
    for n in names:
        r = aaa("cert", "--cn", n, "--store", env["AAA_STORE"])
        assert r.returncode == 0, r.stderr
    schedpass.run(task_root, env, scheduler_timeout=60)
    idx = storeindex.load(env["AAA_STORE"], "index.json")
    old = {n: idx["certs"][n]["serial"] for n in names}
    for n in names:
        idx["certs"][n]["ari_next"] = "2020-01-01T00:00:00Z"
    storeindex.save(env["AAA_STORE"], idx, "index.json")
    for n in names:
        ari.moved[idx["certs"][n]["ari_id"]] = {
            "start": util.iso_utc(util.utc_now() - datetime.timedelta(hours=1)),
            "end": util.iso_utc(util.utc_now() + datetime.timedelta(hours=23))}
    pebble.reset_stats()
    out, execs, _ = schedpass.run(task_root, env, scheduler_timeout=60)
    assert sorted(out["ari_moved"]) == sorted(names) and sorted(out["renewing"]) == names
    batch = [p for p, _ in execs if p.get("action") == "renew_batch"]
    assert len(batch) == 1 and sorted(batch[0]["ari_moved"]) == sorted(old.values()), execs
    for n in names:
        assert storeindex.load(env["AAA_STORE"], "certs", n, "meta.json")["serial"] != old[n], n
    orders = [e for e in pebble.proxy.stats()["requests"] if e.get("action") == "newOrder"]
    assert len(orders) == 2
