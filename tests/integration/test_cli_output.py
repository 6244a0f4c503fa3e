"""aaa ls for people and for scripts: a table on a terminal (a real pseudo-terminal
made by script(1)), the original aaa's JSON, two-space indented, through a pipe
and with --json."""

import json
import os
import shlex
import subprocess
import uuid


def test_ls_table_on_a_terminal_json_through_a_pipe(aaa, aaa_bin, aaa_env, aws, tmp_path):
    zone = f"o{uuid.uuid4().hex[:8]}.example.test"
    aws.create_zone(zone)
    s = ["--store", f"file://{tmp_path}/store"]
    assert aaa("reg", "-m", f"a@{zone}", "--agree", *s).returncode == 0
    name = f"www.{zone}"
    assert aaa("cert", "--cn", name, "-d", zone, "--key-type", "ec384", *s).returncode == 0

    def on_tty(*args):
        cmd = shlex.join([aaa_bin, "ls", *s, *args])
        p = subprocess.run(["script", "-qec", cmd, "/dev/null"], env=aaa_env,
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stdout + p.stderr
        return p.stdout.replace("\r\n", "\n")

    table = on_tty()
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["NAME", "DAYS", "LEFT"], table
    row = [x for x in lines if x.startswith(name + " ")]
    assert row, table
    assert "valid" in row[0] and "ec384" in row[0] and zone in row[0]
    assert float(row[0].split()[1]) > 1  # days left
    with_json = json.loads(on_tty("--json"))
    piped = aaa("ls", *s)
    assert piped.returncode == 0
    assert "\t" not in piped.stdout and "\n  {" in piped.stdout
    out = json.loads(piped.stdout)
    assert out == with_json
    dom = [d for a in out for d in a["domains"] if d["domain"] == name]
    assert dom and dom[0]["certificate"]["key_type"] == "ec384"


def test_progress_only_on_a_terminal_or_with_v_and_q_is_errors_only(aaa, aaa_bin, aaa_env,
                                                                   aws, tmp_path):
    zone = f"q{uuid.uuid4().hex[:8]}.example.test"
    aws.create_zone(zone)
    s = ["--store", f"file://{tmp_path}/store"]
    assert aaa("reg", "-m", f"a@{zone}", "--agree", *s).returncode == 0
    # Through pipes: the JSON answer, no progress lines.
    p = aaa("cert", "--cn", f"a.{zone}", *s)
    assert p.returncode == 0 and json.loads(p.stdout)["state"] == "done"
    assert "order created" not in p.stderr, p.stderr
    # -v: the progress lines even so.
    p = aaa("cert", "--cn", f"b.{zone}", "-v", *s)
    assert p.returncode == 0 and "aaa: order created for 1 name" in p.stderr, p.stderr
    assert "certificate issued" in p.stderr
    # On a terminal they are there without -v...
    cmd = shlex.join([aaa_bin, "cert", "--cn", f"c.{zone}", *s])
    t = subprocess.run(["script", "-qec", cmd, "/dev/null"], env=aaa_env, capture_output=True,
                       text=True, timeout=120)
    assert t.returncode == 0 and "order created" in t.stdout, t.stdout
    # ...and -q leaves errors only: one line for a failure.
    p = aaa("cert", "--cn", "x.not-a-zone.invalid", "-q", *s)
    assert p.returncode == 1 and len(p.stderr.splitlines()) == 1, p.stderr
    assert p.stderr.startswith("aaa cert: ")
    p = aaa("ls", "-q", "-v", *s)
    assert p.returncode == 2 and "contradict" in p.stderr


def test_staging_guard_refuses_before_any_request(aaa, aws, pebble, tmp_path):
    s = ["--store", f"file://{tmp_path}/store"]
    assert aaa("reg", "-m", "a@example.test", "--agree", *s).returncode == 0
    marked = {"AAA_STAGING_DIRECTORIES": f"https://other.example/dir,{pebble.directory_url}"}
    aws.proxy.reset_stats()
    pebble.reset_stats()
    for target in ("acm", "cloudfront:E2EXAMPLE", "elbv2:arn:aws:x", "iam", "elb:lb"):
        p = aaa("cert", "--cn", "www.example.test", "--deploy", target, *s, extra_env=marked)
        assert p.returncode == 2, p.stderr
        assert "staging or test CA" in p.stderr and "--directory letsencrypt" in p.stderr
        assert "--allow-staging" in p.stderr
    # Let's Encrypt's staging directory (the default) is known without marking.
    p = aaa("cert", "--cn", "www.example.test", "--deploy", "acm", *s,
            extra_env={"AAA_DIRECTORY": ""})
    assert p.returncode == 2 and "acme-staging-v02.api.letsencrypt.org" in p.stderr
    assert pebble.count() == 0 and aws.proxy.stats()["total"] == 0
    assert not os.path.exists(tmp_path / "store" / "aaa-data" / "v1" / "jobs") or not \
        os.listdir(tmp_path / "store" / "aaa-data" / "v1" / "jobs")
    # --allow-staging lets it through to the order (which then fails on the unknown zone).
    p = aaa("cert", "--cn", "www.not-a-zone.invalid", "--deploy", "acm", "--allow-staging",
            *s, extra_env=marked)
    assert "staging or test CA" not in p.stderr
