"""Deploy targets against moto, through the verifying proxy (every request's
SigV4 signature recomputed with botocore), checked with Debian's real
/usr/bin/aws: ACM re-import in place, IAM upload and pruning, classic ELB,
ELBv2 default and SNI certificates, CloudFront with If-Match and a stale
ETag, retried throttling and 5xx, clearly named errors.

Runs tests/tools/deploy_tool (deploy/deploy.h as aaa links it). Certificates
come from `openssl req -x509`; their serials are read with `openssl x509
-serial`, independently of the code under test.

moto 5.2.1 notes (what it cannot show): CloudFront ignores the If-Match
value (any value passes, a missing one fails), so the ETag race is played by
the proxy answering 412 PreconditionFailed once; IAM ignores PathPrefix and
gives every certificate the same UploadDate; ACM writes Serial as a decimal
integer where AWS writes colon-separated hex (both are read), and loses a
certificate's tags when it is re-imported (AWS keeps them).
"""
import json
import os
import re
import stat
import subprocess
import uuid

import pytest

BUILD = os.environ.get("AAA_BUILD", "build")
TOOL = os.path.join(BUILD, "tools", "deploy_tool")
KEEP = ("PATH", "LANG", "LC_ALL", "TZ", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")
CN = "www.example.test"


class Cert:
    def __init__(self, d, tag, key_type):
        self.key_type = key_type
        self.cert = str(d / f"{tag}.crt")
        self.key = str(d / f"{tag}.key")
        self.chain = str(d / "empty-chain.pem")
        open(self.chain, "w").close()
        if key_type.startswith("ec"):
            curve = {"ec256": "P-256", "ec384": "P-384"}[key_type]
            newkey = ["-newkey", "ec", "-pkeyopt", f"ec_paramgen_curve:{curve}"]
        else:
            newkey = ["-newkey", "rsa:" + key_type[3:]]
        subprocess.run(["openssl", "req", "-x509", *newkey, "-nodes", "-keyout", self.key,
                        "-out", self.cert, "-days", "30", "-subj", f"/CN={CN}",
                        "-addext", f"subjectAltName=DNS:{CN}"],
                       check=True, capture_output=True)
        out = subprocess.run(["openssl", "x509", "-in", self.cert, "-noout", "-serial"],
                             check=True, capture_output=True, text=True).stdout
        self.serial = out.strip().split("=", 1)[1].lower()
        self.serial_int = int(self.serial, 16)
        with open(self.key) as f:
            self.key_text = f.read()


@pytest.fixture
def certs(tmp_path):
    n = [0]

    def make(key_type="ec256"):
        n[0] += 1
        return Cert(tmp_path, f"c{n[0]}", key_type)

    return make


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

    def run(target, cert, state="state.json", name=CN, key_type=None, timeout=120):
        path = tmp_path / state
        p = subprocess.run([TOOL, "run", target, name, key_type or cert.key_type, cert.cert,
                            cert.key, cert.chain, str(path)],
                           env=base, capture_output=True, text=True, timeout=timeout)
        # The private key never reaches the output, the log or the state.
        assert "PRIVATE KEY" not in p.stdout + p.stderr
        body = cert.key_text.split("-----")[4] if cert.key_text.count("-----") >= 4 else ""
        for line in body.split():
            if len(line) > 20:
                assert line not in p.stdout + p.stderr
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            assert "PRIVATE KEY" not in path.read_text()
        out = json.loads(p.stdout) if p.stdout.strip() else None
        return p.returncode, out, p.stderr

    def validate(target):
        p = subprocess.run([TOOL, "validate", target], env=base, capture_output=True,
                           text=True, timeout=30)
        return p.returncode, json.loads(p.stdout)

    run.validate = validate
    run.state = lambda state="state.json": json.loads((tmp_path / state).read_text())
    run.set_state = lambda obj, state="state.json": (tmp_path / state).write_text(
        json.dumps(obj))
    return run


def acm_serial(value):
    """AWS's "0a:1b:.." or moto's decimal integer, as an int."""
    return int(value.replace(":", ""), 16) if ":" in value else int(value)


def iam_name(cert):
    """Our IAM naming rule, spelled independently: '*' -> '_wildcard_', serial prefix."""
    return CN.replace("*", "_wildcard_") + "-" + cert.serial[:16]


def count(aws, action):
    return aws.proxy.stats()["by_action"].get(action, 0)


@pytest.fixture
def alb(aws, certs):
    """An ALB with an HTTPS listener whose default certificate is not ours."""
    ec2, elbv2, acm = aws.client("ec2"), aws.client("elbv2"), aws.client("acm")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24",
                                 AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"]
               for i, z in ((1, "a"), (2, "b"))]
    lb = elbv2.create_load_balancer(Name=f"alb-{uuid.uuid4().hex[:6]}",
                                    Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elbv2.create_target_group(Name=f"tg-{uuid.uuid4().hex[:6]}", Protocol="HTTP", Port=80,
                                   VpcId=vpc)["TargetGroups"][0]["TargetGroupArn"]
    other = certs()
    with open(other.cert, "rb") as c, open(other.key, "rb") as k:
        foreign = acm.import_certificate(Certificate=c.read(),
                                         PrivateKey=k.read())["CertificateArn"]
    listener = elbv2.create_listener(
        LoadBalancerArn=lb, Protocol="HTTPS", Port=443, Certificates=[{"CertificateArn": foreign}],
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])["Listeners"][0]["ListenerArn"]
    return {"listener": listener, "foreign": foreign}


# ---------------------------------------------------------------- ACM

def test_acm_reimport_keeps_arn(tool, certs, aws_cli):
    a, b = certs(), certs()
    rc, out, err = tool("acm", a)
    assert rc == 0, err
    arn = out["state"]["arn"]
    assert out["detail"] == arn and ":acm:us-east-1:" in arn
    tags = aws_cli.json("acm", "list-tags-for-certificate", "--certificate-arn", arn)["Tags"]
    assert {"Key": "aaa:managed-by", "Value": "aaa"} in tags
    assert {"Key": "aaa:name", "Value": CN} in tags
    rc, out, err = tool("acm", b)
    assert rc == 0, err
    assert out["state"]["arn"] == arn, "a renewal must re-import to the same ARN"
    listed = aws_cli.json("acm", "list-certificates")["CertificateSummaryList"]
    assert [c["CertificateArn"] for c in listed] == [arn]
    d = aws_cli.json("acm", "describe-certificate", "--certificate-arn", arn)["Certificate"]
    assert acm_serial(d["Serial"]) == b.serial_int
    # (moto drops tags on a re-import; AWS keeps them, so none are re-sent.)


def test_acm_other_region(tool, certs, aws_cli):
    rc, out, err = tool("acm:eu-west-1", certs())
    assert rc == 0, err
    arn = out["state"]["arn"]
    assert ":acm:eu-west-1:" in arn and out["state"]["region"] == "eu-west-1"
    eu = aws_cli.json("--region", "eu-west-1", "acm", "list-certificates")
    us = aws_cli.json("--region", "us-east-1", "acm", "list-certificates")
    assert [c["CertificateArn"] for c in eu["CertificateSummaryList"]] == [arn]
    assert us["CertificateSummaryList"] == []


def test_acm_arn_gone_imports_anew(tool, certs, aws_cli):
    rc, out, err = tool("acm", certs())
    assert rc == 0, err
    old = out["state"]["arn"]
    aws_cli.json("acm", "delete-certificate", "--certificate-arn", old)
    rc, out, err = tool("acm", certs())
    assert rc == 0, err
    assert out["state"]["arn"] != old
    assert "is gone" in err


def test_acm_new_key_type_is_a_new_certificate(tool, certs, alb, aws_cli):
    # ACM refuses to re-import a different key type: a new certificate
    # replaces ours, and an SNI listener swaps to it.
    target = f"elbv2:{alb['listener']}:sni"
    rc, out, err = tool(target, certs("ec256"))
    assert rc == 0, err
    first = out["state"]["acm"]["arn"]
    assert out["state"]["acm"]["key_type"] == "ec256"
    rc, out, err = tool(target, certs("rsa2048"))
    assert rc == 0, err
    second = out["state"]["acm"]["arn"]
    assert second != first and "key type changed from ec256 to rsa2048" in err
    r = aws_cli.json("elbv2", "describe-listener-certificates", "--listener-arn", alb["listener"])
    assert {c["CertificateArn"] for c in r["Certificates"]} == {alb["foreign"], second}


# ---------------------------------------------------------------- IAM

def test_iam_upload_and_prune_keeps_two(tool, certs, aws, aws_cli):
    iam = aws.client("iam")
    foreign = certs()
    with open(foreign.cert) as c, open(foreign.key) as k:
        body, key = c.read(), k.read()
    # Not ours: another name under our path, and our name pattern elsewhere.
    iam.upload_server_certificate(ServerCertificateName="someone-else", Path="/aaa/",
                                  CertificateBody=body, PrivateKey=key)
    iam.upload_server_certificate(ServerCertificateName=f"{CN}-0000000000000000", Path="/other/",
                                  CertificateBody=body, PrivateKey=key)
    made = [certs() for _ in range(4)]
    for i, c in enumerate(made):
        rc, out, err = tool("iam", c)
        assert rc == 0, err
        assert out["state"]["name"] == iam_name(c)
        assert out["state"]["path"] == "/aaa/"
        if i >= 2:
            assert "pruned 1" in out["detail"]
    names = {m["ServerCertificateName"]: m["Path"] for m in
             aws_cli.json("iam", "list-server-certificates")["ServerCertificateMetadataList"]}
    assert names == {"someone-else": "/aaa/", f"{CN}-0000000000000000": "/other/",
                     iam_name(made[2]): "/aaa/", iam_name(made[3]): "/aaa/"}
    # The body IAM holds is the last certificate (independent read-back).
    got = aws_cli.json("iam", "get-server-certificate", "--server-certificate-name",
                       iam_name(made[3]))["ServerCertificate"]["CertificateBody"]
    with open(made[3].cert) as f:
        assert got.strip() == f.read().strip()
    assert tool.state()["names"] == [iam_name(made[2]), iam_name(made[3])]


def test_iam_prune_spares_one_in_use(tool, certs, aws, aws_cli):
    made = [certs() for _ in range(4)]
    rc, out, err = tool("iam:/web/", made[0])
    assert rc == 0, err
    in_use_arn = out["state"]["arn"]
    aws.client("elb").create_load_balancer(
        LoadBalancerName="uses-iam", AvailabilityZones=["us-east-1a"],
        Listeners=[{"Protocol": "HTTPS", "LoadBalancerPort": 443, "InstanceProtocol": "HTTP",
                    "InstancePort": 80, "SSLCertificateId": in_use_arn}])
    for c in made[1:]:
        rc, out, err = tool("iam:/web/", c)
        assert rc == 0, err
    names = sorted(m["ServerCertificateName"] for m in
                   aws_cli.json("iam", "list-server-certificates")["ServerCertificateMetadataList"])
    # made[1] pruned; made[0] kept because a listener serves it.
    assert names == sorted([iam_name(made[0]), iam_name(made[2]), iam_name(made[3])])


def test_iam_prune_spares_one_on_an_alb(tool, certs, aws, aws_cli, alb):
    made = [certs() for _ in range(4)]
    rc, out, err = tool("iam", made[0])
    assert rc == 0, err
    aws.client("elbv2").add_listener_certificates(
        ListenerArn=alb["listener"], Certificates=[{"CertificateArn": out["state"]["arn"]}])
    for c in made[1:]:
        rc, out, err = tool("iam", c)
        assert rc == 0, err
    names = sorted(m["ServerCertificateName"] for m in
                   aws_cli.json("iam", "list-server-certificates")["ServerCertificateMetadataList"])
    assert names == sorted([iam_name(made[0]), iam_name(made[2]), iam_name(made[3])])


def test_iam_not_pruned_when_listeners_unreadable(tool, certs, aws, aws_cli):
    made = [certs() for _ in range(3)]
    for c in made[:2]:
        assert tool("iam", c)[0] == 0
    aws.proxy.faults.add(fault="error", status=403, action="DescribeLoadBalancers",
                         code="AccessDenied", message="no", count=None)
    rc, out, err = tool("iam", made[2])
    assert rc == 0, err  # the new certificate is in place; pruning waits
    assert "not pruned" in out["detail"] and "AccessDenied" in out["detail"]
    names = aws_cli.json("iam", "list-server-certificates")["ServerCertificateMetadataList"]
    assert len(names) == 3


def test_iam_same_serial_again_is_idempotent(tool, certs, aws, aws_cli):
    c = certs()
    rc, out, err = tool("iam", c)
    assert rc == 0, err
    first = out["state"]
    # A retried deployment of the same certificate finds its own upload
    # (checked with GetServerCertificate, no second upload).
    aws.proxy.reset_stats()
    rc, out, err = tool("iam", c)
    assert rc == 0, err
    assert count(aws, "iam:UploadServerCertificate") == 0
    assert out["state"]["arn"] == first["arn"] and out["state"]["names"] == [iam_name(c)]
    names = aws_cli.json("iam", "list-server-certificates")["ServerCertificateMetadataList"]
    assert [n["ServerCertificateName"] for n in names] == [iam_name(c)]
    # State lost: IAM says the name exists (moto does not, so the proxy
    # answers as IAM would), and the ARN is found by listing.
    tool.set_state({})
    aws.proxy.faults.add(fault="error", status=409, service="iam",
                         action="UploadServerCertificate", code="EntityAlreadyExists",
                         message=f"The Server Certificate with name {iam_name(c)} already exists.",
                         count=1)
    rc, out, err = tool("iam", c)
    assert rc == 0, err
    assert out["state"]["arn"] == first["arn"]


def test_iam_errors_named(tool, certs, aws):
    aws.proxy.faults.add(fault="error", status=409, service="iam",
                         action="UploadServerCertificate", code="LimitExceeded",
                         message="Cannot exceed quota for ServerCertificatesPerAccount: 20",
                         count=1)
    rc, out, err = tool("iam", certs())
    assert rc == 1
    assert "LimitExceeded" in out["error"] and "quota" in out["error"]
    # The error carries IAM's own code and status, not only the text.
    assert (out["source"], out["code"], out["http_status"]) == ("aws", "LimitExceeded", 409)
    aws.proxy.faults.add(fault="error", status=403, service="iam",
                         action="UploadServerCertificate", code="AccessDenied",
                         message="not authorized", count=1)
    rc, out, err = tool("iam", certs())
    assert rc == 1
    assert out["error"].startswith("iam: ")
    assert "AccessDenied" in out["error"] and "iam:UploadServerCertificate" in out["error"]
    assert (out["source"], out["code"], out["http_status"]) == ("aws", "AccessDenied", 403)


# ---------------------------------------------------------------- classic ELB

def test_elb_listener_switched_and_renewed(tool, certs, aws, aws_cli):
    other = certs()
    acm = aws.client("acm")
    with open(other.cert, "rb") as c, open(other.key, "rb") as k:
        foreign_arn = acm.import_certificate(Certificate=c.read(),
                                             PrivateKey=k.read())["CertificateArn"]
    aws.client("elb").create_load_balancer(
        LoadBalancerName="web", AvailabilityZones=["us-east-1a"],
        Listeners=[{"Protocol": "HTTPS", "LoadBalancerPort": 443, "InstanceProtocol": "HTTP",
                    "InstancePort": 80, "SSLCertificateId": foreign_arn}])

    def listener_cert():
        lbs = aws_cli.json("elb", "describe-load-balancers", "--load-balancer-names", "web")
        ls = lbs["LoadBalancerDescriptions"][0]["ListenerDescriptions"]
        return [x["Listener"].get("SSLCertificateId") for x in ls
                if x["Listener"]["LoadBalancerPort"] == 443][0]

    a, b = certs(), certs()
    rc, out, err = tool("elb:web", a)
    assert rc == 0, err
    arn = out["state"]["acm"]["arn"]
    assert arn != foreign_arn and listener_cert() == arn
    rc, out, err = tool("elb:web", b)
    assert rc == 0, err
    assert out["state"]["acm"]["arn"] == arn and listener_cert() == arn
    d = aws_cli.json("acm", "describe-certificate", "--certificate-arn", arn)["Certificate"]
    assert acm_serial(d["Serial"]) == b.serial_int


def test_elb_missing_balancer_or_listener(tool, certs, aws, aws_cli):
    rc, out, err = tool("elb:nosuch", certs())
    assert rc == 1
    assert "LoadBalancerNotFound" in out["error"] and "check the target" in out["error"]
    aws.client("elb").create_load_balancer(
        LoadBalancerName="plain", AvailabilityZones=["us-east-1a"],
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP",
                    "InstancePort": 80}])
    rc, out, err = tool("elb:plain:80", certs())
    assert rc == 1
    assert "no HTTPS or SSL listener on port 80" in out["error"]
    # Checked before anything was made: no ACM certificate left behind.
    assert aws_cli.json("acm", "list-certificates")["CertificateSummaryList"] == []


def test_acm_state_kept_when_a_later_step_fails(tool, certs, aws, aws_cli):
    aws.client("elb").create_load_balancer(
        LoadBalancerName="web", AvailabilityZones=["us-east-1a"],
        Listeners=[{"Protocol": "SSL", "LoadBalancerPort": 443, "InstanceProtocol": "TCP",
                    "InstancePort": 80, "SSLCertificateId": "arn:aws:iam::1:x"}])
    aws.proxy.faults.add(fault="error", status=403, action="SetLoadBalancerListenerSSLCertificate",
                         code="AccessDenied", message="no", count=1)
    rc, out, err = tool("elb:web", certs())
    assert rc == 1
    assert "elasticloadbalancing:SetLoadBalancerListenerSSLCertificate" in out["error"]
    # The ACM certificate made before the failure is remembered: the retry
    # re-imports to it instead of leaving a second one behind.
    arn = out["state"]["acm"]["arn"]
    rc, out, err = tool("elb:web", certs())
    assert rc == 0, err
    assert out["state"]["acm"]["arn"] == arn
    listed = aws_cli.json("acm", "list-certificates")["CertificateSummaryList"]
    assert [c["CertificateArn"] for c in listed] == [arn]


# ---------------------------------------------------------------- ELBv2

def test_elbv2_default_certificate(tool, certs, alb, aws_cli):
    rc, out, err = tool(f"elbv2:{alb['listener']}", certs())
    assert rc == 0, err
    arn = out["state"]["acm"]["arn"]
    ls = aws_cli.json("elbv2", "describe-listeners", "--listener-arns", alb["listener"])
    assert [c["CertificateArn"] for c in ls["Listeners"][0]["Certificates"]] == [arn]
    assert "default certificate" in out["detail"]


def test_elbv2_sni_replaces_only_ours(tool, certs, alb, aws_cli):
    target = f"elbv2:{alb['listener']}:sni"

    def listed():
        r = aws_cli.json("elbv2", "describe-listener-certificates", "--listener-arn",
                         alb["listener"])
        return {c["CertificateArn"]: c["IsDefault"] for c in r["Certificates"]}

    rc, out, err = tool(target, certs())
    assert rc == 0, err
    first = out["state"]["acm"]["arn"]
    assert listed() == {alb["foreign"]: True, first: False}
    # Renewal: re-imported in place, nothing to swap.
    rc, out, err = tool(target, certs())
    assert rc == 0, err
    assert out["state"]["acm"]["arn"] == first and listed() == {alb["foreign"]: True,
                                                                  first: False}
    # Our ACM record lost (state reset): a new ARN is added and our previous
    # one removed; the default (not ours) stays.
    st = tool.state()
    st["acm"] = {}
    tool.set_state(st)
    rc, out, err = tool(target, certs())
    assert rc == 0, err
    second = out["state"]["acm"]["arn"]
    assert second != first
    assert listed() == {alb["foreign"]: True, second: False}


# ---------------------------------------------------------------- CloudFront

@pytest.fixture
def distribution(aws):
    cf = aws.client("cloudfront")
    cfg = {
        "CallerReference": uuid.uuid4().hex, "Comment": "keep me", "Enabled": True,
        "Aliases": {"Quantity": 1, "Items": [CN]},
        "Origins": {"Quantity": 1, "Items": [{
            "Id": "o1", "DomainName": "origin.example.test",
            "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443,
                                   "OriginProtocolPolicy": "https-only"}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "o1",
                                 "ViewerProtocolPolicy": "redirect-to-https",
                                 "ForwardedValues": {"QueryString": False,
                                                     "Cookies": {"Forward": "none"}},
                                 "MinTTL": 0},
        "ViewerCertificate": {"CloudFrontDefaultCertificate": True},
    }
    return cf.create_distribution(DistributionConfig=cfg)["Distribution"]["Id"]


def test_cloudfront_viewer_certificate_with_stale_etag(tool, certs, aws, aws_cli, distribution):
    # Someone else changed the distribution between our read and our write:
    # CloudFront answers 412 PreconditionFailed; we read again and retry.
    aws.proxy.faults.add(fault="error", status=412, service="cloudfront",
                         action="UpdateDistribution.*", code="PreconditionFailed",
                         message="The request failed because it didn't meet the preconditions",
                         count=1)
    aws.proxy.reset_stats()
    rc, out, err = tool(f"cloudfront:{distribution}", certs())
    assert rc == 0, err
    arn = out["state"]["acm"]["arn"]
    assert ":acm:us-east-1:" in arn
    assert "retried" in out["detail"]
    stats = aws.proxy.stats()["by_action"]
    updates = sum(v for k, v in stats.items() if k.startswith("cloudfront:UpdateDistribution"))
    gets = sum(v for k, v in stats.items() if k.startswith("cloudfront:GetDistributionConfig"))
    # check, read, write (412), read again, write, read back
    assert updates == 2 and gets == 4
    cfg = aws_cli.json("cloudfront", "get-distribution-config", "--id", distribution)
    vc = cfg["DistributionConfig"]["ViewerCertificate"]
    assert vc["ACMCertificateArn"] == arn
    assert vc["CloudFrontDefaultCertificate"] is False
    assert vc["SSLSupportMethod"] == "sni-only"
    assert cfg["DistributionConfig"]["Comment"] == "keep me"
    assert cfg["DistributionConfig"]["Aliases"]["Items"] == [CN]


def test_cloudfront_refuses_p384_before_any_request(tool, certs, aws, aws_cli, distribution):
    aws.proxy.reset_stats()
    rc, out, err = tool(f"cloudfront:{distribution}", certs("ec384"))
    assert rc == 1
    assert "ec384" in out["error"] and "CloudFront" in out["error"]
    assert out["source"] == "input" and out["code"] == ""
    assert aws.proxy.stats()["total"] == 0
    assert aws_cli.json("acm", "list-certificates")["CertificateSummaryList"] == []


def test_cloudfront_rsa_and_missing_distribution(tool, certs, distribution):
    rc, out, err = tool(f"cloudfront:{distribution}", certs("rsa2048"))
    assert rc == 0, err
    rc, out, err = tool("cloudfront:ENOSUCHDIST", certs(), state="other.json")
    assert rc == 1
    assert "NoSuchDistribution" in out["error"] and "check the target" in out["error"]
    assert out["state"] == {}  # refused before any import


# ---------------------------------------------------------------- retries and errors

def test_throttle_and_5xx_retried(tool, certs, aws):
    aws.proxy.faults.add(fault="throttle", service="acm", action="ImportCertificate", count=1)
    aws.proxy.faults.add(fault="error", status=503, service="acm",
                         action="DescribeCertificate", count=1)
    aws.proxy.reset_stats()
    rc, out, err = tool("acm", certs())
    assert rc == 0, err
    assert count(aws, "acm:ImportCertificate") == 2
    assert count(aws, "acm:DescribeCertificate") == 2


def test_access_denied_named(tool, certs, aws):
    aws.proxy.faults.add(fault="error", status=400, service="acm", action="ImportCertificate",
                         code="AccessDeniedException",
                         message="User is not authorized to perform: acm:ImportCertificate",
                         count=None)
    rc, out, err = tool("acm", certs())
    assert rc == 1
    e = out["error"]
    assert e.startswith("acm: ACM ImportCertificate: AccessDeniedException")
    assert "the role lacks acm:ImportCertificate" in e
    assert "\n" not in e
    assert "arn" not in out["state"]


def test_validate_refuses_bad_targets(tool):
    for bad in ("s3", "acm:", "iam:noslash", "elb:bad_name", "elb:x:99999",
                "elbv2:arn:aws:acm:us-east-1:1:certificate/x", "cloudfront:lower"):
        rc, out = tool.validate(bad)
        assert rc == 2 and out["error"], bad
    for good in ("acm", "acm:eu-west-1", "iam", "iam:/x/", "elb:web:8443",
                 "elbv2:arn:aws:elasticloadbalancing:us-east-1:1:listener/app/a/1/2:sni",
                 "cloudfront:E2QWRUHAPOMQZL"):
        rc, out = tool.validate(good)
        assert rc == 0, (good, out)


# ---------------------------------------------------------------- end to end

@pytest.fixture
def issuer(aaa, tmp_path, aws):
    """aaa cert on the file store with pebble as the CA and a fresh zone."""
    store = f"file://{tmp_path}/store"
    zone = f"d{uuid.uuid4().hex[:8]}.example.test"
    aws.create_zone(zone)
    p = aaa("reg", "--email", "admin@example.test", "--agree", "--store", store)
    assert p.returncode == 0, p.stderr

    def cert(name, *targets, extra=()):
        args = ["cert", "--cn", name, "--store", store, *extra]
        for t in targets:
            args += ["--deploy", t]
        return aaa(*args)

    def meta(name):
        path = os.path.join(store[len("file://"):], "aaa-data", "v1", "certs", name, "meta.json")
        with open(path) as f:
            return json.load(f)

    def serial(name):
        path = os.path.join(store[len("file://"):], "aaa-data", "v1", "certs", name, "cert.pem")
        out = subprocess.run(["openssl", "x509", "-in", path, "-noout", "-serial"],
                             check=True, capture_output=True, text=True).stdout
        return int(out.strip().split("=", 1)[1], 16)

    cert.zone, cert.meta, cert.serial = zone, meta, serial
    return cert


def test_cli_issue_and_renew_deploys_in_place(issuer, aws_cli):
    name = f"www.{issuer.zone}"
    p = issuer(name, "acm", "iam")
    assert p.returncode == 0, p.stderr
    first = issuer.serial(name)
    arn = issuer.meta(name)["deployed"]["acm"]["arn"]
    # (aaa cert takes the target list from its flags each time; the
    # executor's "renew" reuses the one in meta.json.)
    p = issuer(name, "acm", "iam", extra=("--create-key",))
    assert p.returncode == 0, p.stderr
    second = issuer.serial(name)
    assert second != first
    m = issuer.meta(name)
    assert m["deployed"]["acm"]["arn"] == arn
    listed = aws_cli.json("acm", "list-certificates")["CertificateSummaryList"]
    assert [c["CertificateArn"] for c in listed] == [arn]
    d = aws_cli.json("acm", "describe-certificate", "--certificate-arn", arn)["Certificate"]
    assert acm_serial(d["Serial"]) == second
    iam = aws_cli.json("iam", "list-server-certificates")["ServerCertificateMetadataList"]
    def even_hex(n):
        h = format(n, "x")
        return "0" + h if len(h) % 2 else h

    assert sorted(c["ServerCertificateName"] for c in iam) == sorted(
        f"{name}-{even_hex(s)[:16]}" for s in (first, second))


def test_cli_failed_target_leaves_others_deployed(issuer, aws_cli):
    name = f"api.{issuer.zone}"
    p = issuer(name, "elb:nosuch", "acm")
    assert p.returncode == 1
    assert "elb:nosuch" in p.stderr and "LoadBalancerNotFound" in p.stderr
    m = issuer.meta(name)
    arn = m["deployed"]["acm"]["arn"]
    d = aws_cli.json("acm", "describe-certificate", "--certificate-arn", arn)["Certificate"]
    assert acm_serial(d["Serial"]) == issuer.serial(name)
    assert "error" in m["deployed"]["elb:nosuch"]
