"""DNS-01 over Route53 (src/dns, src/aws/route53.c) against moto through the
verifying proxy: every request's SigV4 signature is recomputed with botocore,
requests are counted per operation, faults are injected. Records are checked
with Debian's real /usr/bin/aws and with the stack's DNS server (which reads
moto live, as pebble's validator would see the zone).

Runs tests/tools/dns_tool (the dns01 API as aaa links it).
"""
import json
import os
import subprocess
import time
import uuid

import pytest

BUILD = os.environ.get("AAA_BUILD", "build")
TOOL = os.path.join(BUILD, "tools", "dns_tool")
KEEP = ("PATH", "LANG", "LC_ALL", "TZ", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")
CHANGE = "route53:ChangeResourceRecordSets"


@pytest.fixture
def tool(aws, tmp_path):
    if not os.access(TOOL, os.X_OK):
        pytest.fail(f"{TOOL} is not built (make {TOOL})")
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    base = {k: v for k, v in os.environ.items() if k in KEEP}
    base.update(aws.env())
    base.update({"HOME": str(home), "AWS_EC2_METADATA_DISABLED": "true",
                 "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})

    def run(*args, extra_env=None, timeout=120):
        env = dict(base)
        env.update(extra_env or {})
        p = subprocess.run([TOOL, *args], env=env, capture_output=True, text=True,
                           timeout=timeout)
        out = json.loads(p.stdout) if p.stdout.strip() else None
        return p.returncode, out, p.stderr

    return run


@pytest.fixture
def forget_changes(aws):
    """moto answers every ChangeResourceRecordSets with the same change id, and the
    proxy's `pending` fault times a change from its first sighting in the session:
    forget earlier sightings so a pending rule in this test starts from our change."""
    changes = getattr(aws.proxy, "_changes", None)
    if changes is not None:
        changes.clear()


def settled(aws, quiet=0.3, limit=3.0):
    """The proxy's stats once no request has been recorded for `quiet` seconds."""
    t_end = time.monotonic() + limit
    last = aws.proxy.stats()
    while time.monotonic() < t_end:
        time.sleep(quiet)
        cur = aws.proxy.stats()
        if cur["total"] == last["total"]:
            return cur
        last = cur
    return last


def new_zone(aws, prefix="z", private=False):
    name = f"{prefix}{uuid.uuid4().hex[:8]}.example.test"
    return name, aws.create_zone(name, private=private)


def txt_values(aws_cli, zone_id, name):
    """TXT values at name as Debian's aws CLI lists them (wire form, quoted)."""
    sets = aws_cli.json("route53", "list-resource-record-sets", "--hosted-zone-id", zone_id)
    want = name.rstrip(".").lower() + "."
    out = []
    for s in sets["ResourceRecordSets"]:
        if s["Name"].lower() == want and s["Type"] == "TXT":
            out += [r["Value"] for r in s["ResourceRecords"]]
    return out


def cli_change(aws_cli, zone_id, name, rtype, values, action="UPSERT", ttl=300):
    batch = {"Changes": [{"Action": action, "ResourceRecordSet": {
        "Name": name, "Type": rtype, "TTL": ttl,
        "ResourceRecords": [{"Value": v} for v in values]}}]}
    aws_cli.json("route53", "change-resource-record-sets", "--hosted-zone-id", zone_id,
                 "--change-batch", json.dumps(batch))


def test_five_names_one_change_per_zone(tool, aws, aws_cli, dns, tmp_path):
    zone, zid = new_zone(aws)
    names = [zone, f"*.{zone}", f"www.{zone}", f"api.{zone}", f"a.b.{zone}"]
    values = [f"value-{i}-{uuid.uuid4().hex}" for i in range(5)]
    state = tmp_path / "state.json"
    aws.proxy.reset_stats()
    rc, out, err = tool("--state", str(state), "--wait", "publish",
                        *[f"{n}={v}" for n, v in zip(names, values)])
    assert rc == 0, (out, err)
    st = settled(aws)
    assert st["refused"] == {}, st["refusals"]
    assert st["by_action"].get(CHANGE) == 1
    assert st["by_action"].get("route53:GetChange", 0) <= 1
    # The zone list is read once for all names.
    assert st["by_action"].get("route53:ListHostedZones") == 1
    # The apex and the wildcard share one record set, with both values.
    apex = txt_values(aws_cli, zid, f"_acme-challenge.{zone}")
    assert sorted(apex) == sorted([json.dumps(values[0]), json.dumps(values[1])])
    assert txt_values(aws_cli, zid, f"_acme-challenge.www.{zone}") == [json.dumps(values[2])]
    assert txt_values(aws_cli, zid, f"_acme-challenge.a.b.{zone}") == [json.dumps(values[4])]
    # What a CA's validator sees while published.
    assert sorted(dns.txt(f"_acme-challenge.{zone}")) == sorted(values[:2])
    assert dns.txt(f"_acme-challenge.api.{zone}") == [values[3]]
    # Cleanup in one change too, and nothing of ours is left.
    aws.proxy.reset_stats()
    rc, out, err = tool("--state", str(state), "cleanup")
    assert rc == 0, (out, err)
    assert settled(aws)["by_action"].get(CHANGE) == 1
    sets = aws.records(zid, rtype="TXT")
    assert sets == []
    assert dns.txt(f"_acme-challenge.{zone}") == []


def test_two_zones_two_changes(tool, aws, aws_cli):
    z1, id1 = new_zone(aws)
    z2, id2 = new_zone(aws)
    aws.proxy.reset_stats()
    rc, out, err = tool("run", f"{z1}=a1", f"www.{z1}=a2", f"{z2}=b1", f"x.{z2}=b2",
                        f"*.{z2}=b3")
    assert rc == 0, (out, err)
    st = settled(aws)
    # publish: one per zone; cleanup: one per zone.
    assert st["by_action"].get(CHANGE) == 4
    assert out["change_requests"] == 4
    assert aws.records(id1, rtype="TXT") == [] and aws.records(id2, rtype="TXT") == []


def test_other_values_kept_and_only_ours_removed(tool, aws, aws_cli, dns, tmp_path):
    zone, zid = new_zone(aws)
    rname = f"_acme-challenge.{zone}"
    # Another agent's values, one split in two strings, one with an escaped quote.
    theirs = ['"other-agent-token"', '"part one" "part two"', '"say \\"hi\\""']
    cli_change(aws_cli, zid, rname, "TXT", theirs, action="CREATE")
    state = tmp_path / "st.json"
    rc, out, err = tool("--state", str(state), "--wait", "publish", f"{zone}=ours-1",
                        f"*.{zone}=ours-2")
    assert rc == 0, (out, err)
    now = txt_values(aws_cli, zid, rname)
    assert sorted(now) == sorted(theirs + ['"ours-1"', '"ours-2"'])
    seen = dns.txt(rname)
    assert sorted(seen) == sorted(["other-agent-token", "part onepart two", 'say "hi"',
                                   "ours-1", "ours-2"])
    rc, out, err = tool("--state", str(state), "cleanup")
    assert rc == 0, (out, err)
    assert sorted(txt_values(aws_cli, zid, rname)) == sorted(theirs)
    # Idempotent: a second cleanup changes nothing.
    aws.proxy.reset_stats()
    rc, out, err = tool("--state", str(state), "cleanup")
    assert rc == 0, (out, err)
    assert settled(aws)["by_action"].get(CHANGE, 0) == 0
    assert sorted(txt_values(aws_cli, zid, rname)) == sorted(theirs)


def test_publish_twice_does_not_duplicate(tool, aws, aws_cli, tmp_path):
    zone, zid = new_zone(aws)
    rc, out, err = tool("publish", f"{zone}=same")
    assert rc == 0, (out, err)
    aws.proxy.reset_stats()
    rc, out, err = tool("--state", str(tmp_path / "s"), "publish", f"{zone}=same")
    assert rc == 0, (out, err)
    # Already there: nothing to change.
    assert settled(aws)["by_action"].get(CHANGE, 0) == 0
    assert txt_values(aws_cli, zid, f"_acme-challenge.{zone}") == ['"same"']
    rc, out, err = tool("--state", str(tmp_path / "s"), "cleanup")
    assert rc == 0, (out, err)
    assert txt_values(aws_cli, zid, f"_acme-challenge.{zone}") == []


def test_long_value_split_and_joined(tool, aws, aws_cli, dns):
    zone, zid = new_zone(aws)
    value = "".join(chr(ord("a") + i % 26) for i in range(600)) + '"\\end'
    rc, out, err = tool("--state", os.devnull, "publish", f"{zone}={value}")
    assert rc == 0, (out, err)
    wire = txt_values(aws_cli, zid, f"_acme-challenge.{zone}")
    assert len(wire) == 1
    assert wire[0].count('" "') == 2  # three character-strings
    assert dns.txt(f"_acme-challenge.{zone}") == [value]


def test_cname_delegation_followed(tool, aws, aws_cli, dns, tmp_path):
    zone, zid = new_zone(aws)
    acme, acme_id = new_zone(aws, prefix="acme")
    target = f"www.{acme}"
    cli_change(aws_cli, zid, f"_acme-challenge.www.{zone}", "CNAME", [target], ttl=60)
    rc, out, err = tool("resolve", f"www.{zone}", zone)
    assert rc == 0, (out, err)
    assert out["records"][f"www.{zone}"] == target
    assert out["zones"][f"www.{zone}"] == acme_id
    assert out["zones"][zone] == zid
    state = tmp_path / "s.json"
    rc, out, err = tool("--state", str(state), "--wait", "publish", f"www.{zone}=via-cname")
    assert rc == 0, (out, err)
    assert txt_values(aws_cli, acme_id, target) == ['"via-cname"']
    assert txt_values(aws_cli, zid, f"_acme-challenge.www.{zone}") == []
    # A validator asking for the original name follows the CNAME to our value.
    assert dns.txt(f"_acme-challenge.www.{zone}") == ["via-cname"]
    rc, out, err = tool("--state", str(state), "cleanup")
    assert rc == 0, (out, err)
    assert txt_values(aws_cli, acme_id, target) == []
    # The CNAME itself is not ours and stays.
    assert aws.records(zid, rtype="CNAME", name=f"_acme-challenge.www.{zone}")


def test_cname_outside_our_zones_fails(tool, aws, aws_cli):
    zone, zid = new_zone(aws)
    cli_change(aws_cli, zid, f"_acme-challenge.{zone}", "CNAME", ["x.elsewhere.invalid"])
    aws.proxy.reset_stats()
    rc, out, err = tool("publish", f"{zone}=v")
    assert rc == 1
    assert "CNAME" in out["error"] and "x.elsewhere.invalid" in out["error"]
    assert settled(aws)["by_action"].get(CHANGE, 0) == 0


def test_name_in_no_zone_fails_before_any_change(tool, aws):
    zone, zid = new_zone(aws)
    aws.proxy.reset_stats()
    rc, out, err = tool("publish", f"{zone}=v1", "www.nothere-at-all.test=v2")
    assert rc == 1
    assert "www.nothere-at-all.test" in out["error"]
    assert "no Route53 hosted zone" in out["error"]
    st = settled(aws)
    assert st["by_action"].get(CHANGE, 0) == 0
    assert aws.records(zid, rtype="TXT") == []
    rc, out, err = tool("find-zone", "www.nothere-at-all.test")
    assert rc == 1 and "hosted zone" in out["error"]


def test_longest_zone_public_over_private_and_explicit_id(tool, aws):
    parent, pid = new_zone(aws)
    sub = f"sub.{parent}"
    sid = aws.create_zone(sub)
    priv = aws.create_zone(parent, private=True)
    rc, out, err = tool("find-zone", f"www.{sub}")
    assert rc == 0, (out, err)
    assert out == {"zone_id": sid, "zone_name": sub}
    rc, out, err = tool("find-zone", f"*.{parent}")
    assert rc == 0, (out, err)
    assert out["zone_id"] == pid  # the public one, not the private twin
    rc, out, err = tool("--zone-id", f"{sub}={pid}", "find-zone", f"www.{sub}")
    assert rc == 0, (out, err)
    assert out["zone_id"] == pid
    rc, out, err = tool("--zone-id", f"{parent}=/hostedzone/{priv}", "find-zone", parent)
    assert rc == 0, (out, err)
    assert out["zone_id"] == priv
    # An explicit zone that does not hold the name is an error, not a fallback.
    rc, out, err = tool("--zone-id", f"{parent}={sid}", "find-zone", parent)
    assert rc == 1 and sid in out["error"]


@pytest.mark.parametrize("fault", [
    {"fault": "throttle", "count": 2},
    {"fault": "error", "status": 503, "code": "ServiceUnavailable", "count": 2},
    {"fault": "error", "status": 400, "code": "PriorRequestNotComplete", "count": 1},
])
def test_change_retried_after_throttling_and_5xx(tool, aws, aws_cli, fault):
    zone, zid = new_zone(aws)
    aws.proxy.faults.add(service="route53", action="ChangeResourceRecordSets", **fault)
    aws.proxy.reset_stats()
    rc, out, err = tool("--state", os.devnull, "publish", f"{zone}=v1", f"www.{zone}=v2")
    assert rc == 0, (out, err)
    st = settled(aws)
    assert st["by_action"].get(CHANGE) == fault["count"] + 1
    assert txt_values(aws_cli, zid, f"_acme-challenge.{zone}") == ['"v1"']


def test_change_refused_reports_aws_code(tool, aws):
    zone, zid = new_zone(aws)
    aws.proxy.faults.add(service="route53", action="ChangeResourceRecordSets", fault="error",
                         status=400, code="InvalidChangeBatch", message="bad batch", count=None)
    rc, out, err = tool("publish", f"{zone}=v1")
    assert rc == 1
    assert "InvalidChangeBatch" in out["error"] and zone in out["error"]
    # The code, status and request id are kept beside the words.
    assert (out["source"], out["code"], out["http_status"]) == ("aws", "InvalidChangeBatch", 400)
    assert out["request_id"], out


def test_change_refused_once_reads_again_and_publishes(tool, aws, aws_cli):
    """Another writer changed the set between our read and our change: Route53
    refuses the conditional DELETE+CREATE with InvalidChangeBatch; publish reads
    the set again and retries, keeping the other writer's value."""
    zone, zid = new_zone(aws)
    rc, out, err = tool("publish", f"{zone}=theirs")
    assert rc == 0, (out, err)
    rule = aws.proxy.faults.add(service="route53", action="ChangeResourceRecordSets",
                                fault="error", status=400, code="InvalidChangeBatch", count=1)
    rc, out, err = tool("publish", f"{zone}=ours")
    assert rc == 0, (out, err)
    assert rule.fired == 1
    assert sorted(txt_values(aws_cli, zid, f"_acme-challenge.{zone}")) == ['"ours"', '"theirs"']


def test_wait_polls_until_insync(tool, aws, forget_changes, tmp_path):
    zone, zid = new_zone(aws)
    aws.proxy.faults.add(service="route53", action="GetChange|ChangeResourceRecordSets",
                         fault="pending", seconds=2.0, count=None)
    state = tmp_path / "s.json"
    rc, out, err = tool("--state", str(state), "publish", f"{zone}=v")
    assert rc == 0, (out, err)
    aws.proxy.reset_stats()
    t0 = time.monotonic()
    rc, out, err = tool("--state", str(state), "wait")
    took = time.monotonic() - t0
    assert rc == 0, (out, err)
    assert out["state"]["zones"][0]["insync"] is True
    st = settled(aws)
    # 0.5 s, 1 s, 2 s backoff: INSYNC on the 3rd or 4th GetChange.
    assert 2 <= st["by_action"].get("route53:GetChange", 0) <= 5
    assert took >= 1.0


def test_wait_times_out(tool, aws, forget_changes, tmp_path):
    zone, zid = new_zone(aws)
    aws.proxy.faults.add(service="route53", action="GetChange|ChangeResourceRecordSets",
                         fault="pending", seconds=60, count=None)
    rc, out, err = tool("--timeout-ms", "1200", "--state", str(tmp_path / "s"), "--wait",
                        "publish", f"{zone}=v")
    assert rc == 1
    assert "PENDING" in out["error"]
    # The state still says what to clean up.
    assert out["state"]["records"][0]["published"] is True


def test_state_round_trip_publish_here_cleanup_there(tool, aws, aws_cli, dns, tmp_path):
    zone, zid = new_zone(aws)
    cli_change(aws_cli, zid, f"_acme-challenge.{zone}", "TXT", ['"keep-me"'], action="CREATE")
    state = tmp_path / "job.json"
    rc, out, err = tool("--state", str(state), "publish", f"{zone}=p1", f"*.{zone}=p2",
                        f"www.{zone}=p3")
    assert rc == 0, (out, err)
    saved = json.loads(state.read_text())
    assert saved["zones"][0]["id"] == zid
    assert {r["name"] for r in saved["records"]} == {f"_acme-challenge.{zone}",
                                                     f"_acme-challenge.www.{zone}"}
    rc, out, err = tool("--state", str(state), "wait")
    assert rc == 0, (out, err)
    assert sorted(dns.txt(f"_acme-challenge.{zone}")) == ["keep-me", "p1", "p2"]
    rc, out, err = tool("--state", str(state), "cleanup")
    assert rc == 0, (out, err)
    assert txt_values(aws_cli, zid, f"_acme-challenge.{zone}") == ['"keep-me"']
    assert txt_values(aws_cli, zid, f"_acme-challenge.www.{zone}") == []


def test_cleanup_after_failed_publish(tool, aws, aws_cli, tmp_path):
    """The write happened but the answer was lost: the state says unpublished,
    and cleanup still finds and removes our values."""
    zone, zid = new_zone(aws)
    aws.proxy.faults.add(service="route53", action="ChangeResourceRecordSets", fault="error",
                         status=400, code="InvalidInput", forward_first=True, count=1)
    state = tmp_path / "s.json"
    rc, out, err = tool("--state", str(state), "publish", f"{zone}=lost")
    assert rc == 1
    assert txt_values(aws_cli, zid, f"_acme-challenge.{zone}") == ['"lost"']
    assert json.loads(state.read_text())["records"][0]["published"] is False
    rc, out, err = tool("--state", str(state), "cleanup")
    assert rc == 0, (out, err)
    assert txt_values(aws_cli, zid, f"_acme-challenge.{zone}") == []


def test_zone_role_assumed_for_zone(tool, aws, aws_cli):
    zone, zid = new_zone(aws)
    role = "arn:aws:iam::123456789012:role/dns-zone-writer"
    aws.proxy.reset_stats()
    rc, out, err = tool("--zone-role", f"{zone}={role}", "--state", os.devnull, "--wait",
                        "publish", f"www.{zone}=r1")
    assert rc == 0, (out, err)
    st = settled(aws)
    assert st["refused"] == {}, st["refusals"]
    assert st["by_action"].get("sts:AssumeRole") == 1
    keys = {r.get("access_key") for r in st["requests"] if r["service"] == "route53"}
    # Every Route53 call was signed with the role's temporary keys.
    assert keys and "AKIDTEST" not in keys
    assert txt_values(aws_cli, zid, f"_acme-challenge.www.{zone}") == ['"r1"']


def test_check_authoritative_asks_the_name_server(tool, aws, dns):
    zone, zid = new_zone(aws)
    rc, out, err = tool("--check-auth", "--check-server", dns.address, "--state", os.devnull,
                        "--wait", "publish", f"{zone}=auth-1", f"*.{zone}=auth-2")
    assert rc == 0, (out, err)
    asked = [q for q in dns.queries if q["name"] == f"_acme-challenge.{zone}."
             and q["type"] == "TXT"]
    assert asked, dns.queries
    assert sorted(asked[-1]["answers"]) == ['"auth-1"', '"auth-2"']


def test_check_authoritative_times_out_when_not_served(tool, aws):
    zone, zid = new_zone(aws)
    # Nothing answers on this port: the check cannot confirm, and wait gives up.
    rc, out, err = tool("--check-auth", "--check-server", "127.0.0.1:9", "--timeout-ms",
                        "1500", "--state", os.devnull, "--wait", "publish", f"{zone}=x")
    assert rc == 1
    assert "127.0.0.1:9 does not serve" in out["error"]


def test_list_hosted_zones_follows_pages(tool, aws):
    r53 = aws.direct_client("route53")
    made = {aws.create_zone(f"p{i:03d}-{uuid.uuid4().hex[:6]}.example.test")
            for i in range(105)}
    aws.proxy.reset_stats()
    rc, out, err = tool("list-zones")
    assert rc == 0, (out, err)
    assert out["pages"] == 2  # Route53 pages hold 100 zones
    assert settled(aws)["by_action"].get("route53:ListHostedZones") == 2
    ids = [z["id"] for z in out["zones"]]
    assert len(ids) == len(set(ids))
    assert set(ids) == made == {z["Id"].split("/")[-1]
                                for z in r53.list_hosted_zones(MaxItems="200")["HostedZones"]}


def test_zone_role_per_cname_hop(tool, aws, aws_cli):
    """The role is chosen per hop: the delegating zone is read with the default
    credentials, the zone the CNAME points into with the role given for it."""
    zone, zid = new_zone(aws)
    acme, acme_id = new_zone(aws, prefix="acme")
    target = f"www.{acme}"
    cli_change(aws_cli, zid, f"_acme-challenge.www.{zone}", "CNAME", [target], ttl=60)
    role = "arn:aws:iam::123456789012:role/acme-zone"
    aws.proxy.reset_stats()
    rc, out, err = tool("--zone-role", f"{acme}={role}", "--state", os.devnull, "run",
                        f"www.{zone}=hop")
    assert rc == 0, (out, err)
    st = settled(aws)
    assert st["refused"] == {}, st["refusals"]
    assert st["by_action"].get("sts:AssumeRole") == 1
    r53 = [r for r in st["requests"] if r["service"] == "route53"]
    changes = [r for r in r53 if r["action"] == "ChangeResourceRecordSets"]
    assert len(changes) == 2  # publish and cleanup, both in the target zone
    assert all(acme_id in r["path"] and r["access_key"] != "AKIDTEST" for r in changes)
    # The CNAME was read in the delegating zone with our own keys.
    first = [r for r in r53 if zid in r["path"]]
    assert first and all(r["access_key"] == "AKIDTEST" for r in first)
