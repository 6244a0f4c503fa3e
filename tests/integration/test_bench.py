"""Smoke tests of `make bench` (bench/): the driver runs end to end with one
run of a 2-name certificate per client, so the scripts do not rot. No timing
is ever asserted: only that every figure was measured from real work.

What is checked, independently of the bench's own bookkeeping where possible:
  * every installed peer issued through its hook and the TXT side door (the
    door saw one present and one cleanup per name), and the certificate file
    it left names exactly the asked names (read back with the openssl CLI);
  * request counts are at least the RFC minimum (a broken counter reads 0);
  * results.md has a row per client, ratios to aaa when aaa ran, the versions,
    the exact commands and the performance targets (or "pending: ..." rows);
  * a zip in the package layout is unpacked (modes kept) and cold-started;
  * nothing the bench started is left running, also after a SIGTERM;
  * the hooks publish and remove records that the stack's DNS server serves,
    and uacme's hook declines challenge types other than dns-01;
  * the results writer's ratios and rows on fixed data.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile

import pytest

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

from bench import results  # noqa: E402
from bench.txtdoor import TxtDoor  # noqa: E402

BUILD = os.environ.get("AAA_BUILD", os.path.join(_REPO, "build"))
AAA_BIN = os.path.abspath(os.environ.get("AAA_BIN", os.path.join(BUILD, "aaa")))
HOOKS = os.path.join(_REPO, "bench", "hooks")
PEERS = [c for c in ("uacme", "lego", "certbot") if shutil.which(c)]


def _leftovers(marker):
    """PIDs whose command line mentions `marker` (the bench's work dir)."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if marker in cmd:
            out.append((int(pid), cmd[:200]))
    return out


def _bench_argv(work, out, *extra, zip_path=None):
    return [sys.executable, "-m", "bench", "--aaa", AAA_BIN, "--zip",
            zip_path or os.path.join(work, "no-such.zip"), "--workdir", work,
            "--out", out] + list(extra)


def _small_zip(path):
    """A zip in the package's layout (bootstrap, bin/aaa, an empty lib/) without the
    bundled loader, so bootstrap takes its `exec bin/aaa lambda` branch: enough to
    check that the bench unpacks a zip with its modes and runs it."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for src, name, mode in ((os.path.join(_REPO, "bootstrap"), "bootstrap", 0o755),
                                (AAA_BIN, "bin/aaa", 0o755)):
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o100000 | mode) << 16
            with open(src, "rb") as f:
                z.writestr(info, f.read())
        info = zipfile.ZipInfo("lib/")
        info.external_attr = (0o040000 | 0o755) << 16
        z.writestr(info, b"")
    return path


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """One bench run: every client, 1 run, a 2-name certificate, 5 Slack requests."""
    if not PEERS:
        pytest.fail("no peer client installed (run `sh bench/deps.sh`)")
    base = tmp_path_factory.mktemp("bench")
    work, out = str(base / "work"), str(base / "results.md")
    zip_path = _small_zip(str(base / "aaa-lambda.zip"))
    # The realistic-latency part with short latencies (2 s PENDING, 0.5 s to
    # validate): the machinery, not the figures (make bench runs 30 s and 3 s).
    p = subprocess.run(_bench_argv(work, out, "--runs", "1", "--sizes", "2",
                                   "--realistic-sizes", "2", "--pending-s", "2",
                                   "--validation-s", "0.5",
                                   "--slack-requests", "5", "--timeout", "90",
                                   "--fleet-sizes", "4",
                                   "--aaa-lambda", AAA_BIN, zip_path=zip_path),
                       cwd=_REPO, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-4000:]
    with open(os.path.splitext(out)[0] + ".json") as f:
        data = json.load(f)
    # the fleet part ran its drill (4 certificates: the machinery, not the figures)
    fl = data["fleet"]["runs"]["4"]
    assert fl["not_renewed"] == 0 and fl["failed_jobs"] == 0, fl
    assert fl["per_certificate"]["certificates"] == 4, fl
    with open(out) as f:
        md = f.read()
    return {"data": data, "md": md, "stdout": p.stdout, "stderr": p.stderr, "work": work,
            "zip": zip_path}


def _openssl_sans(path):
    p = subprocess.run(["openssl", "x509", "-noout", "-ext", "subjectAltName", "-in", path],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    return sorted(x.strip()[len("DNS:"):] for x in p.stdout.splitlines()[-1].split(","))


@pytest.mark.parametrize("peer", PEERS)
def test_peer_issued_through_its_hook(smoke, peer):
    data = smoke["data"]
    assert peer not in data["unavailable"], data["unavailable"].get(peer)
    runs = data["issuance"][peer]["2"]
    assert len(runs) == 1
    r = runs[0]
    assert r["ok"], f"{r['problem']} (log {r['log']})"
    assert r["acme_requests"] >= results.rfc_minimum(2)
    assert r["maxrss_kb"] > 0 and r["wall_s"] > 0
    # The hook published both names through the door (a client that skipped the
    # hook could not have been validated: pebble's VA asks the moto-backed DNS).
    for n in r["names"]:
        assert f"_acme-challenge.{n}." in data["door"]["fqdns"]
    # The certificate the client wrote, read back with openssl.
    where = {"uacme": f"{peer}/conf/{r['names'][0]}/cert.pem",
             "lego": f"{peer}/data/certificates/{r['names'][0]}.crt",
             "certbot": f"{peer}/config/live/{r['names'][0]}/cert.pem"}[peer]
    assert _openssl_sans(os.path.join(smoke["work"], where)) == sorted(r["names"])


def test_door_cleaned_up_every_record(smoke):
    door = smoke["data"]["door"]
    assert door["present"] > 0
    assert door["present"] == door["cleanup"]


def test_aaa_row(smoke):
    data, md = smoke["data"], smoke["md"]
    if "aaa" in data["unavailable"]:
        assert data["unavailable"]["aaa"].startswith("n/a")
        assert "| aaa | 2 | n/a" in md
        return
    r = data["issuance"]["aaa"]["2"][0]
    assert r["ok"], f"{r['problem']} (log {r['log']})"
    assert r["acme_requests"] >= results.rfc_minimum(2)
    assert r["aws_requests"] > 0  # aaa's own Route53 calls went through the proxy
    assert not any(f"_acme-challenge.{n}." in data["door"]["fqdns"] for n in r["names"])
    for peer in PEERS + ["aaa-lambda"]:
        assert f"| {peer} | 2 | " in md
    assert md.count("1.00×") >= 3  # aaa's own row: wall, RSS, requests
    r = data["issuance"]["aaa-lambda"]["2"][0]  # --aaa-lambda: one more client
    assert r["ok"], f"{r['problem']} (log {r['log']})"


def test_realistic_part_held_and_issued(smoke):
    """Every client issued under the hold; aaa saw PENDING (more than one GetChange
    per zone: without the hold its first GetChange is INSYNC), the peers' hooks
    waited through the door, and the table shows the floor beside each."""
    data, md = smoke["data"], smoke["md"]
    rl = data["realistic"]
    assert rl["pending_s"] == 2 and rl["validation_s"] == 0.5 and rl["sizes"] == [2]
    for c in ["aaa"] + PEERS:
        e = rl["runs"][c]["2"]
        assert e["ok"], f"{c}: {e['problem']} (log {e['log']})"
    a = rl["runs"]["aaa"]["2"]
    # Two names over two zones: one change each, each polled until the hold ends.
    assert a["aws_by_action"].get("route53:ChangeResourceRecordSets", 0) >= 2
    assert a["aws_by_action"].get("route53:GetChange", 0) > 2, a["aws_by_action"]
    assert a["acme_requests"] >= results.rfc_minimum(2)
    assert rl["floor_s"]["2"] > 2.5  # the hold and the validation are in the floor
    assert "## Under realistic latencies" in md
    row = [ln for ln in md.splitlines() if ln.startswith(f"| 2 | {rl['floor_s']['2']:.2f} |")]
    assert row and row[0].count("×") == 1 + len(PEERS), row


def test_results_md_has_everything(smoke):
    md, data = smoke["md"], smoke["data"]
    for section in ("## Issuance side by side", "## aaa against the performance targets",
                    "## Lambda-specific figures", "## Versions", "## Exact commands"):
        assert section in md
    for peer in PEERS:
        assert f"- {peer}: " in md
        assert f"process start: `{peer}" in md
    assert "- pebble: pebble (Debian " in md
    for target in ("< 5 ms", "< 5 MB", "< 12 MB", "< 1 s CPU", "3 s"):
        assert target in md
    lam = data["lambda"]
    assert lam["zip"]["value"].endswith(f"({os.path.getsize(smoke['zip'])} bytes)")
    assert "with the packaged zip (" in md  # the zip ran, unpacked with its modes
    assert lam["cold_start"]["value"].endswith(" ms")
    assert lam["cold_source"]["value"].endswith(" ms")
    for key in ("issuance_rss", "scheduler", "dispatcher"):
        v = lam[key]["value"]
        assert v.startswith("pending:") or v[0].isdigit(), v
    commands = md.split("## Exact commands", 1)[1]
    assert commands.split("# WORK=", 1)[1].count(data["workdir"]) == 1  # then $WORK
    for c in data["commands"]:
        assert f"# {c}, 2 name(s)" in commands
        for name in data["issuance"][c]["2"][-1]["names"]:
            assert name in commands
    assert smoke["stdout"].startswith("| client | names | wall s, median (min–max) |")


def test_nothing_left_running(smoke):
    assert _leftovers(smoke["work"]) == []


def test_sigterm_stops_everything(tmp_path):
    work, out = str(tmp_path / "work"), str(tmp_path / "results.md")
    p = subprocess.Popen(_bench_argv(work, out, "--runs", "1", "--sizes", "1", "--clients",
                                     ",".join(PEERS[:1] or ["aaa"]), "--no-lambda",
                                     "--fleet-sizes", ""),
                         cwd=_REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True)
    seen = ""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = p.stderr.readline()
        seen += line
        if "bench: setting up" in line or not line:
            break
    assert "setting up" in seen, seen
    assert _leftovers(work), "the stack should be running now"
    p.send_signal(signal.SIGTERM)
    p.stderr.read()
    assert p.wait(timeout=60) != 0
    end = time.monotonic() + 20
    while _leftovers(work) and time.monotonic() < end:
        time.sleep(0.2)
    assert _leftovers(work) == []
    assert not os.path.exists(out)


def _hook_env(door):
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "BENCH_TXT_PORT": str(door.port)}


def test_hooks_publish_through_the_door(aws, dns):
    zone = "hooks.bench-test.test"
    zid = aws.create_zone(zone)
    door = TxtDoor(aws.moto.url, {zone: zid}).start()
    try:
        env = _hook_env(door)
        fqdn = f"_acme-challenge.a.{zone}."
        subprocess.run([os.path.join(HOOKS, "lego-exec"), "present", fqdn, "v-lego"],
                       env=env, check=True, timeout=30)
        subprocess.run([os.path.join(HOOKS, "uacme-hook"), "begin", "dns-01", f"a.{zone}",
                        "tok", "v-uacme"], env=env, check=True, timeout=30)
        assert sorted(dns.txt(fqdn)) == ["v-lego", "v-uacme"]
        certbot_env = dict(env, CERTBOT_DOMAIN=f"a.{zone}", CERTBOT_VALIDATION="v-certbot")
        subprocess.run([os.path.join(HOOKS, "certbot-auth")], env=certbot_env, check=True,
                       timeout=30)
        assert sorted(dns.txt(fqdn)) == ["v-certbot", "v-lego", "v-uacme"]
        subprocess.run([os.path.join(HOOKS, "certbot-cleanup")], env=certbot_env, check=True,
                       timeout=30)
        subprocess.run([os.path.join(HOOKS, "uacme-hook"), "done", "dns-01", f"a.{zone}",
                        "tok", "v-uacme"], env=env, check=True, timeout=30)
        assert dns.txt(fqdn) == ["v-lego"]
        subprocess.run([os.path.join(HOOKS, "lego-exec"), "cleanup", fqdn, "v-lego"],
                       env=env, check=True, timeout=30)
        assert dns.txt(fqdn) == []
        assert aws.records(zid, rtype="TXT") == []
        # uacme offers every challenge type to the hook: only dns-01 is taken.
        r = subprocess.run([os.path.join(HOOKS, "uacme-hook"), "begin", "http-01",
                            f"a.{zone}", "tok", "x"], env=env, timeout=30)
        assert r.returncode == 1
        # A name outside the zones is refused, and the hook says so with exit 1.
        r = subprocess.run([os.path.join(HOOKS, "lego-exec"), "present", "_acme-challenge.x.other.",
                            "v"], env=env, capture_output=True, text=True, timeout=30)
        assert r.returncode == 1 and "none of the bench zones" in r.stderr
    finally:
        door.stop()


def _run(ok=True, wall=1.0, rss_kb=10240, acme=9, by=None):
    return {"run": 0, "names": ["a"], "ok": ok, "problem": None if ok else "exit 1",
            "wall_s": wall, "cpu_s": 0.1, "maxrss_kb": rss_kb, "acme_requests": acme,
            "acme_by_action": by or {"acme:order": 2}, "aws_requests": 3,
            "aws_by_action": {}, "log": "x.log"}


def test_results_writer_ratios_and_rows():
    data = {
        "date": "2026-01-01 00:00 UTC", "command": "make bench", "runs": 3, "sizes": [1],
        "host": {"cpus": 2, "cpu": "x", "kernel": "k", "loadavg": "0"},
        "versions": {"aaa": "aaa 0.1.0", "uacme": "uacme 1"},
        "unavailable": {"lego": "n/a (lego not installed)"},
        "commands": {"aaa": {"1": ["aaa", "cert"]}, "uacme": {"1": ["uacme", "issue"]}},
        "issuance": {
            "aaa": {"1": [_run(wall=1.0), _run(wall=3.0), _run(wall=2.0, rss_kb=20480)]},
            "uacme": {"1": [_run(wall=4.0, acme=18), _run(wall=9.0, acme=18),
                            _run(ok=False, wall=0.1)]},
        },
    }
    md = results.markdown(data)
    # medians: aaa 2.0 s, 10 MB, 9 requests; uacme 6.5 s (failed run left out), 18 requests
    assert "| aaa | 1 | 2.000 (1.00–3.00) | 1.00× | 10.0 | 1.00× | 9 | 1.00× |" in md
    assert "| uacme | 1 | 6.500 (4.00–9.00) | 3.25× | 10.0 | 1.00× | 18 | 2.00× |" in md
    assert "| lego | 1 | n/a (lego not installed) |" in md
    assert "uacme, 1 name(s), run 1: exit 1" in md
    assert "    aaa cert" in md
    assert "1-name wall time" not in md  # one size only: no scaling line
    data["sizes"] = [1, 5]
    data["issuance"]["aaa"]["5"] = [_run(wall=3.0)]
    data["issuance"]["uacme"]["5"] = [_run(wall=13.0)]
    md = results.markdown(data)
    assert "5-name / 1-name wall time (target: aaa ≤ 1.2×): aaa 1.50×, uacme 2.00×." in md
    assert "| 5-name / 1-name wall time | 1.500× | ≤ 1.2× | no |" in md
    polls, others = results.beyond_minimum(
        {"acme:directory": 1, "acme:newNonce": 1, "acme:newOrder": 1, "acme:authz": 3,
         "acme:challenge": 2, "acme:finalize": 1, "acme:certificate": 1, "acme:order": 2,
         "acme:newAccount": 1}, 2)
    assert polls == {"authz": 1, "order": 2} and others == {"newAccount": 1}


def test_zip_row_without_a_zip(tmp_path):
    from types import SimpleNamespace

    from bench import lambda_numbers

    item = lambda_numbers._zip_item(SimpleNamespace(zip=str(tmp_path / "missing.zip")))
    assert item["value"].startswith("pending:") and item["met"] == "–"
    big = tmp_path / "big.zip"
    big.write_bytes(b"\0" * (5 * 1024 * 1024 + 1))
    item = lambda_numbers._zip_item(SimpleNamespace(zip=str(big)))
    assert item["met"] == "no" and "(5242881 bytes)" in item["value"]
