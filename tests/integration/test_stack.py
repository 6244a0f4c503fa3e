"""Proof that the local test stack itself is trustworthy, using real clients.

The stack is what every other integration test stands on, so it is checked
against things we did not write: Debian's AWS CLI and botocore as clients,
AWS's published SigV4 vectors for the verifier, dnslib's client for DNS,
pebble's own validation for the DNS wiring, urllib/http.client for HTTP.
"""

import calendar
import http.client
import io
import json
import os
import socket
import ssl
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest
from cryptography import x509
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.integration.stack import ACCESS_KEY, SECRET_KEY, SigV4Verifier
from tests.integration.stack.acme_mini import MiniAcme

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# -- helpers -------------------------------------------------------------------------


def signed_request(aws, method, path, service, body=b"", headers=None, secret=SECRET_KEY):
    """Sign a request with botocore (as a client would) and return (path, headers, body)."""
    hdrs = {"Host": f"127.0.0.1:{aws.proxy.port}"}
    if body:
        hdrs["Content-Length"] = str(len(body))
    hdrs.update(headers or {})
    req = AWSRequest(method=method, url=aws.url + path, data=body, headers=hdrs)
    signer = S3SigV4Auth if service == "s3" else SigV4Auth
    signer(Credentials(ACCESS_KEY, secret), service, "us-east-1").add_auth(req)
    return path, dict(req.headers.items()), body


def send(aws, method, path, headers, body=b""):
    """Send exactly these headers and body through the proxy; returns (status, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", aws.proxy.port, timeout=10)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for k, v in headers.items():
        conn.putheader(k, v)
    conn.endheaders()
    if body:
        conn.send(body)
    r = conn.getresponse()
    out = r.read()
    conn.close()
    return r.status, out


def error_code(body):
    """The Code of an AWS XML error body, or __type of a JSON one."""
    text = body.decode("utf-8", "replace")
    if text.lstrip().startswith("{"):
        return json.loads(text).get("__type")
    start = text.find("<Code>")
    return text[start + 6:text.find("</Code>")] if start >= 0 else None


def change_txt(aws_cli, zone_id, name, values, action="UPSERT"):
    batch = {"Changes": [{"Action": action, "ResourceRecordSet": {
        "Name": name, "Type": "TXT", "TTL": 60,
        "ResourceRecords": [{"Value": json.dumps(v)} for v in values]}}]}
    return aws_cli.json("route53", "change-resource-record-sets", "--hosted-zone-id", zone_id,
                        "--change-batch", json.dumps(batch))


# -- the verifier alone, against AWS's published vectors -----------------------------

# From the AWS SigV4 test suite (aws-c-auth tests/aws-signing-test-suite/v4, Apache-2.0):
# credentials AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20150830T123600Z,
# us-east-1, service "service". The signatures were computed by AWS, not by botocore.
VECTORS = {
    "get-vanilla-query-order-key-case (header)": (
        "GET", "/?Param2=value2&Param1=value1",
        {"Host": "example.amazonaws.com", "X-Amz-Date": "20150830T123600Z",
         "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                          "aws4_request, SignedHeaders=host;x-amz-date, Signature="
                          "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
        b""),
    "get-vanilla-query-order-key-case (presigned)": (
        "GET", "/?Param2=value2&Param1=value1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
               "AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date="
               "20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature="
               "86012e2c9ad4d77369f5d81c11f75158aae4f895a085212cc6d3f923d300bed5",
        {"Host": "example.amazonaws.com"}, b""),
    "get-header-value-trim": (
        "GET", "/",
        {"Host": "example.amazonaws.com", "My-Header1": " value1",
         "My-Header2": ' "a   b   c"', "X-Amz-Date": "20150830T123600Z",
         "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                          "aws4_request, SignedHeaders=host;my-header1;my-header2;x-amz-date, "
                          "Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
        b""),
    "get-vanilla-with-session-token": (
        "GET", "/",
        {"Host": "example.amazonaws.com",
         "X-Amz-Security-Token": "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
         "X-Amz-Date": "20150830T123600Z",
         "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                          "aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, "
                          "Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8"},
        b""),
    "post-x-www-form-urlencoded": (
        "POST", "/",
        {"Content-Type": "application/x-www-form-urlencoded", "Host": "example.amazonaws.com",
         "Content-Length": "13", "X-Amz-Date": "20150830T123600Z",
         "x-amz-content-sha256": "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
         "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                          "aws4_request, SignedHeaders=content-length;content-type;host;"
                          "x-amz-content-sha256;x-amz-date, Signature="
                          "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b"},
        b"Param1=value1"),
}


def _vector_headers(headers):
    return http.client.parse_headers(io.BytesIO(
        "".join(f"{k}:{v}\r\n" for k, v in headers.items()).encode() + b"\r\n"))


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_verifier_accepts_aws_vectors_and_refuses_any_change(name):
    method, path, headers, body = VECTORS[name]
    t0 = calendar.timegm(time.strptime("20150830T123600Z", "%Y%m%dT%H%M%SZ"))
    v = SigV4Verifier({"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
                      max_skew=None, clock_offset=t0 + 60 - time.time())
    ok = v.verify(method, path, _vector_headers(headers), body)
    assert ok.ok, (ok, ok.canonical_request)
    # One changed character anywhere the signature covers must be refused.
    assert not v.verify(method, path.replace("value1", "value9").replace("/", "/x", 1),
                        _vector_headers(headers), body).ok
    assert not v.verify("PUT", path, _vector_headers(headers), body).ok
    wrong = SigV4Verifier({"AKIDEXAMPLE": "not-the-secret"}, max_skew=None,
                          clock_offset=t0 + 60 - time.time())
    bad = wrong.verify(method, path, _vector_headers(headers), body)
    assert not bad.ok and bad.code == "SignatureDoesNotMatch"


# -- the verifying proxy with Debian's AWS CLI ---------------------------------------


def test_aws_cli_signed_requests_pass_and_reach_moto(aws, aws_cli, tmp_path):
    bucket = f"cli-{uuid.uuid4().hex[:10]}"
    aws_cli.json("s3api", "create-bucket", "--bucket", bucket)
    payload = tmp_path / "obj.bin"
    payload.write_bytes(os.urandom(70000))
    # A key that needs percent-encoding; PUT with a body (the CLI sends Expect: 100-continue).
    aws_cli.json("s3api", "put-object", "--bucket", bucket, "--key", "dir one/a+b~c.bin",
                 "--body", str(payload))
    listed = aws_cli.json("s3api", "list-objects-v2", "--bucket", bucket, "--prefix", "dir one/")
    assert [o["Key"] for o in listed["Contents"]] == ["dir one/a+b~c.bin"]
    out = tmp_path / "back.bin"
    aws_cli.json("s3api", "get-object", "--bucket", bucket, "--key", "dir one/a+b~c.bin", str(out))
    assert out.read_bytes() == payload.read_bytes()

    zone = aws_cli.json("route53", "create-hosted-zone", "--name", "cli.example.test",
                        "--caller-reference", uuid.uuid4().hex)["HostedZone"]["Id"]
    zones = aws_cli.json("route53", "list-hosted-zones")["HostedZones"]
    assert [z["Name"] for z in zones] == ["cli.example.test."]
    # A Route53 GET with a query string (moto's own check wrongly refuses these).
    sets = aws_cli.json("route53", "list-resource-record-sets", "--hosted-zone-id", zone,
                        "--max-items", "1")
    assert len(sets["ResourceRecordSets"]) == 1
    aws_cli.json("kms", "create-key")  # a JSON-protocol service
    aws_cli.json("sts", "get-caller-identity")  # a query-protocol service

    st = aws.proxy.stats()
    assert st["refused"] == {}
    for action in ("s3:CreateBucket", "s3:PutObject", "s3:ListObjectsV2", "s3:GetObject",
                   "route53:CreateHostedZone", "route53:ListHostedZones",
                   "route53:ListResourceRecordSets", "kms:CreateKey", "sts:GetCallerIdentity"):
        assert st["by_action"].get(action, 0) >= 1, (action, st["by_action"])
    # And it really reached moto: the object is there, read directly.
    got = aws.direct_client("s3").get_object(Bucket=bucket, Key="dir one/a+b~c.bin")
    assert got["Body"].read() == payload.read_bytes()


@pytest.mark.parametrize("service_args", [
    ("s3api", "create-bucket", "--bucket", "never-created"),
    ("route53", "list-hosted-zones"),
    ("kms", "list-keys"),
    ("sts", "get-caller-identity"),
])
def test_aws_cli_wrong_secret_is_refused(aws, aws_cli, service_args):
    p = aws_cli(*service_args, env={"AWS_SECRET_ACCESS_KEY": "wrong-secret"})
    assert p.returncode != 0
    assert "SignatureDoesNotMatch" in p.stderr
    assert aws.proxy.stats()["refused"] == {"SignatureDoesNotMatch": 1}
    # Refused requests are not forwarded: the bucket does not exist in moto.
    names = [b["Name"] for b in aws.direct_client("s3").list_buckets()["Buckets"]]
    assert "never-created" not in names


def test_unknown_key_and_missing_auth_are_refused(aws, aws_cli):
    p = aws_cli("s3api", "list-buckets", env={"AWS_ACCESS_KEY_ID": "AKIDNOBODY"})
    assert p.returncode != 0 and "InvalidAccessKeyId" in p.stderr
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(aws.url + "/", timeout=10)
    assert e.value.code == 403 and error_code(e.value.read()) == "MissingAuthenticationToken"
    # JSON services get a JSON error body.
    req = urllib.request.Request(aws.url + "/", data=b"{}", headers={
        "X-Amz-Target": "TrentService.ListKeys", "Content-Type": "application/x-amz-json-1.1"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert json.loads(e.value.read())["__type"] == "MissingAuthenticationToken"


def test_tampering_after_signing_is_refused(aws):
    bucket = aws.create_bucket()
    path = f"/{bucket}?list-type=2&prefix=a%2Fb"
    extra = {"x-amz-request-payer": "requester"}
    p, h, b = signed_request(aws, "GET", path, "s3", headers=extra)
    assert send(aws, "GET", p, h)[0] == 200

    cases = {
        "query value": (p.replace("a%2Fb", "a%2Fc"), h, b, "SignatureDoesNotMatch"),
        "path": (p.replace(bucket, bucket + "x"), h, b, "SignatureDoesNotMatch"),
        "signed header": (p, {**h, "x-amz-request-payer": "someone"}, b,
                          "SignatureDoesNotMatch"),
        "unsigned x-amz header": (p, {**h, "x-amz-meta-sneaky": "1"}, b, "AccessDenied"),
    }
    for what, (pp, hh, bb, code) in cases.items():
        status, out = send(aws, "GET", pp, hh, bb)
        assert (status, error_code(out)) == (403, code), what

    # S3: the body must match the signed payload hash.
    p, h, b = signed_request(aws, "PUT", f"/{bucket}/k", "s3", body=b"original body")
    status, out = send(aws, "PUT", p, h, b"tampered body")
    assert (status, error_code(out)) == (400, "XAmzContentSHA256Mismatch")
    assert send(aws, "PUT", p, h, b)[0] == 200
    # Other services hash the body into the signature itself.
    body = b'{"Limit": 5}'
    p, h, b = signed_request(aws, "POST", "/", "kms", body=body, headers={
        "X-Amz-Target": "TrentService.ListKeys", "Content-Type": "application/x-amz-json-1.1"})
    assert send(aws, "POST", p, h, b)[0] == 200
    status, out = send(aws, "POST", p, h, b'{"Limit": 6}')
    assert (status, error_code(out)) == (403, "SignatureDoesNotMatch")
    # The refusal says what the server computed, as S3 does, to debug a signer with.
    assert "POST\n/\n\ncontent-length:12\ncontent-type:" in aws.proxy.stats()["refusals"][-1]["canonical_request"]


def test_presigned_urls(aws, aws_cli):
    bucket = aws.create_bucket()
    aws.direct_client("s3").put_object(Bucket=bucket, Key="p.txt", Body=b"presigned!")
    url = aws_cli("s3", "presign", f"s3://{bucket}/p.txt", "--expires-in", "60",
                  check=True).stdout.strip()
    with urllib.request.urlopen(url, timeout=10) as r:
        assert r.read() == b"presigned!"
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(url.replace("p.txt", "q.txt"), timeout=10)
    assert error_code(e.value.read()) == "SignatureDoesNotMatch"
    aws.proxy.set_clock_offset(120)  # the URL has expired for a server 2 minutes ahead
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(url, timeout=10)
    assert error_code(e.value.read()) == "AccessDenied"


def test_clock_skew_is_refused_and_server_time_shown(aws):
    aws.proxy.set_clock_offset(20 * 60)
    s3 = aws.client("s3")
    with pytest.raises(ClientError) as e:
        s3.list_buckets()
    assert e.value.response["Error"]["Code"] == "RequestTimeTooSkewed"
    # The Date header is the skewed server clock, so a client can correct its offset.
    date = e.value.response["ResponseMetadata"]["HTTPHeaders"]["date"]
    server = calendar.timegm(time.strptime(date, "%a, %d %b %Y %H:%M:%S GMT"))
    assert abs(server - (time.time() + 1200)) < 5


def test_sts_credentials_are_learned(aws, aws_cli):
    creds = aws_cli.json("sts", "assume-role", "--role-arn", "arn:aws:iam::123456789012:role/r",
                         "--role-session-name", "stack-test")["Credentials"]
    p = aws_cli("s3api", "list-buckets", env={
        "AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
        "AWS_SESSION_TOKEN": creds["SessionToken"]})
    assert p.returncode == 0, p.stderr


def test_keep_alive_and_expect_100_continue(aws):
    bucket = aws.create_bucket()
    # Three requests on one connection.
    conn = http.client.HTTPConnection("127.0.0.1", aws.proxy.port, timeout=10)
    for i in range(3):
        p, h, b = signed_request(aws, "PUT", f"/{bucket}/k{i}", "s3", body=b"x" * i)
        conn.request("PUT", p, body=b, headers=h)
        r = conn.getresponse()
        r.read()
        assert r.status == 200
    sock = conn.sock
    assert sock is not None  # http.client kept the same socket open
    conn.close()
    # Expect: 100-continue: the proxy says "100 Continue" before the body is sent.
    body = b"after continue"
    p, h, b = signed_request(aws, "PUT", f"/{bucket}/e", "s3", body=body,
                             headers={"Expect": "100-continue", "Content-Length": str(len(body))})
    with socket.create_connection(("127.0.0.1", aws.proxy.port), timeout=10) as s:
        head = f"PUT {p} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items()) + "\r\n"
        s.sendall(head.encode())
        first = s.recv(100)
        assert first.startswith(b"HTTP/1.1 100 Continue")
        s.sendall(body)
        rest = b""
        while b"\r\n\r\n" not in rest:
            rest += s.recv(4096)
        assert rest.split(b"\r\n")[0].endswith(b"200 OK"), rest
    got = aws.direct_client("s3").get_object(Bucket=bucket, Key="e")["Body"].read()
    assert got == body


# -- fault injection ------------------------------------------------------------------


def test_fault_503_then_success_seen_by_aws_cli(aws, aws_cli):
    bucket = aws.create_bucket()
    aws.proxy.faults.add(fault="error", status=503, service="s3", action="ListObjectsV2",
                         count=1)
    p = aws_cli("s3api", "list-objects-v2", "--bucket", bucket)
    assert p.returncode != 0 and "ServiceUnavailable" in p.stderr
    # The rule is used up: the same call now succeeds.
    aws_cli.json("s3api", "list-objects-v2", "--bucket", bucket)
    # With retries the CLI gets through a failure on its own.
    aws.proxy.faults.add(fault="error", status=500, service="s3", action="ListObjectsV2", count=1)
    aws_cli.json("s3api", "list-objects-v2", "--bucket", bucket,
                 env={"AWS_MAX_ATTEMPTS": "2", "AWS_RETRY_MODE": "standard"})
    statuses = [r["status"] for r in aws.proxy.stats()["requests"]
                if r["action"] == "ListObjectsV2"]
    assert statuses == [503, 200, 500, 200]


@pytest.mark.parametrize("service,call,code,status", [
    ("s3", lambda c: c.list_buckets(), "SlowDown", 503),
    ("kms", lambda c: c.list_keys(), "ThrottlingException", 400),
    ("route53", lambda c: c.list_hosted_zones(), "Throttling", 400),
    ("sts", lambda c: c.get_caller_identity(), "Throttling", 400),
])
def test_throttling_bodies_parse_as_the_service_error(aws, service, call, code, status):
    aws.proxy.faults.add(fault="throttle", service=service, count=1)
    client = aws.client(service)
    with pytest.raises(ClientError) as e:
        call(client)
    assert e.value.response["Error"]["Code"] == code
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    call(client)  # only the first request was hit


def test_connection_faults(aws):
    bucket = aws.create_bucket()
    s3 = aws.client("s3")
    # skip=1: the first match passes, the next one is reset.
    aws.proxy.faults.add(fault="reset", service="s3", action="HeadBucket", skip=1, count=1)
    s3.head_bucket(Bucket=bucket)
    with pytest.raises(Exception) as e:
        s3.head_bucket(Bucket=bucket)
    assert "onnection" in type(e.value).__name__ + str(e.value)
    s3.head_bucket(Bucket=bucket)

    aws.proxy.faults.add(fault="delay", ms=400, service="s3", action="HeadBucket")
    t = time.monotonic()
    s3.head_bucket(Bucket=bucket)
    assert time.monotonic() - t >= 0.4

    s3.put_object(Bucket=bucket, Key="big", Body=b"0123456789" * 100)
    aws.proxy.faults.add(fault="truncate", bytes=10, service="s3", action="GetObject")
    p, h, _ = signed_request(aws, "GET", f"/{bucket}/big", "s3")
    with pytest.raises(http.client.IncompleteRead) as e:
        send(aws, "GET", p, h)
    assert e.value.partial == b"0123456789"

    aws.proxy.faults.add(fault="skew", service="s3", action="ListObjectsV2")
    with pytest.raises(ClientError) as e:
        s3.list_objects_v2(Bucket=bucket)
    assert e.value.response["Error"]["Code"] == "RequestTimeTooSkewed"


def test_forward_first_applies_the_request_but_loses_the_answer(aws):
    aws.proxy.faults.add(fault="error", status=500, service="s3", action="CreateBucket",
                         forward_first=True)
    with pytest.raises(ClientError) as e:
        aws.client("s3").create_bucket(Bucket="made-anyway")
    assert e.value.response["Error"]["Code"] == "InternalError"
    names = [b["Name"] for b in aws.direct_client("s3").list_buckets()["Buckets"]]
    assert "made-anyway" in names


def test_fault_plan_over_http(aws):
    rule = {"fault": "error", "status": 503, "code": "ServiceUnavailable",
            "match": {"method": "GET", "path": "^/$", "service": "s3"}, "count": 2,
            "retry_after": 1}
    req = urllib.request.Request(aws.url + "/__stack/faults", method="POST",
                                 data=json.dumps({"rules": [rule]}).encode())
    with urllib.request.urlopen(req, timeout=10) as r:
        assert json.loads(r.read())["rules"][0]["fault"] == "error"
    s3 = aws.client("s3")
    for _ in range(2):
        with pytest.raises(ClientError) as e:
            s3.list_buckets()
        assert e.value.response["Error"]["Code"] == "ServiceUnavailable"
        assert e.value.response["ResponseMetadata"]["HTTPHeaders"]["retry-after"] == "1"
    s3.list_buckets()
    with urllib.request.urlopen(aws.url + "/__stack/faults", timeout=10) as r:
        rules = json.loads(r.read())["rules"]
    assert (rules[0]["seen"], rules[0]["fired"]) == (2, 2)
    with urllib.request.urlopen(aws.url + "/__stack/stats", timeout=10) as r:
        st = json.loads(r.read())
    assert st["by_action"]["s3:ListBuckets"] == 3 and st["faults"] == {"error": 2}
    req = urllib.request.Request(aws.url + "/__stack/faults", method="DELETE")
    urllib.request.urlopen(req, timeout=10).read()
    assert aws.proxy.faults.rules() == []


def test_route53_change_held_pending(aws, aws_resources):
    aws.proxy.faults.add(fault="pending", seconds=1.5, service="route53",
                         action="GetChange|ChangeResourceRecordSets", count=None)
    r53 = aws.client("route53")
    change = r53.change_resource_record_sets(
        HostedZoneId=aws_resources["zone_id"], ChangeBatch={"Changes": [{
            "Action": "UPSERT", "ResourceRecordSet": {
                "Name": "_acme-challenge." + aws_resources["zone"], "Type": "TXT", "TTL": 60,
                "ResourceRecords": [{"Value": '"v"'}]}}]})["ChangeInfo"]
    assert change["Status"] == "PENDING"
    assert r53.get_change(Id=change["Id"])["ChangeInfo"]["Status"] == "PENDING"
    time.sleep(1.6)
    assert r53.get_change(Id=change["Id"])["ChangeInfo"]["Status"] == "INSYNC"


# -- DNS from moto's Route53 ----------------------------------------------------------


def test_dns_serves_txt_written_with_aws_cli(aws, aws_cli, dns, aws_resources):
    zone, zid = aws_resources["zone"], aws_resources["zone_id"]
    name = f"_acme-challenge.{zone}"
    change_txt(aws_cli, zid, name, ["token-one", "token two"])
    for tcp in (False, True):
        rcode, answers = dns.query(name, "TXT", tcp=tcp)
        assert rcode == "NOERROR"
        assert sorted(v for _, v in answers) == ["token two", "token-one"]
    assert dns.query(zone, "SOA")[0] == "NOERROR"
    assert dns.query("nothing-here." + zone, "TXT") == ("NXDOMAIN", [])
    assert dns.query("example.invalid", "TXT") == ("REFUSED", [])
    # Deleting is visible at once (nothing cached).
    change_txt(aws_cli, zid, name, ["token-one", "token two"], action="DELETE")
    assert dns.query(name, "TXT") == ("NXDOMAIN", [])


def test_dns_follows_cname_delegation_and_ignores_private_zones(aws, aws_cli, dns):
    tag = uuid.uuid4().hex[:6]
    main, deleg = f"m{tag}.example.test", f"d{tag}.example.net"
    zmain, zdeleg = aws.create_zone(main), aws.create_zone(deleg)
    batch = {"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
        "Name": f"_acme-challenge.www.{main}", "Type": "CNAME", "TTL": 60,
        "ResourceRecords": [{"Value": f"www.{deleg}"}]}}]}
    aws_cli.json("route53", "change-resource-record-sets", "--hosted-zone-id", zmain,
                 "--change-batch", json.dumps(batch))
    change_txt(aws_cli, zdeleg, f"www.{deleg}", ["delegated-value"])
    rcode, answers = dns.query(f"_acme-challenge.www.{main}", "TXT")
    assert rcode == "NOERROR"
    assert answers == [("CNAME", f"www.{deleg}."), ("TXT", "delegated-value")]

    private = f"p{tag}.example.org"
    zpriv = aws.create_zone(private, private=True)
    change_txt(aws_cli, zpriv, f"_acme-challenge.{private}", ["secret"])
    assert dns.query(f"_acme-challenge.{private}", "TXT")[0] == "REFUSED"


# -- pebble ----------------------------------------------------------------------------


def test_pebble_directory_over_https_with_ca_bundle(pebble):
    ctx = ssl.create_default_context(cafile=pebble.ca_bundle)
    with urllib.request.urlopen(pebble.directory_url, context=ctx, timeout=10) as r:
        d = json.loads(r.read())
    for k in ("newNonce", "newAccount", "newOrder", "revokeCert", "keyChange"):
        assert d[k].startswith(pebble.url + "/"), d  # every URL goes through the proxy
    # The bundle is what makes it trusted: the system store alone refuses it.
    with pytest.raises(urllib.error.URLError) as e:
        urllib.request.urlopen(pebble.directory_url, context=ssl.create_default_context(),
                               timeout=10)
    assert isinstance(e.value.reason, ssl.SSLCertVerificationError)
    root = pebble.root_pem()
    p = subprocess.run(["openssl", "x509", "-noout", "-subject"], input=root, text=True,
                       capture_output=True, check=True)
    assert "Pebble Root CA" in p.stdout
    assert pebble.count("directory") == 1
    assert pebble.cert_status("deadbeef") is None


def test_acme_faults_carry_a_fresh_nonce(pebble):
    pebble.proxy.faults.add(fault="badnonce", action="newNonce", count=1)
    ctx = ssl.create_default_context(cafile=pebble.ca_bundle)
    req = urllib.request.Request(pebble.url + "/nonce-plz", method="HEAD")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, context=ctx, timeout=10)
    assert e.value.code == 400
    assert e.value.headers["Content-Type"] == "application/problem+json"
    assert e.value.headers["Replay-Nonce"]
    with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
        assert r.status == 200 and r.headers["Replay-Nonce"]


def test_pebble_validates_dns01_through_our_dns_and_moto(stack, aws_resources):
    """pebble's VA -> our DNS server -> moto's Route53, for real (no ALWAYS_VALID)."""
    acme = MiniAcme(stack.pebble.directory_url, stack.ca_bundle)
    acme.register()
    r53 = stack.aws.direct_client("route53")

    def publish(name, value):
        r53.change_resource_record_sets(HostedZoneId=aws_resources["zone_id"], ChangeBatch={
            "Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
                "Name": f"_acme-challenge.{name}", "Type": "TXT", "TTL": 60,
                "ResourceRecords": [{"Value": json.dumps(value)}]}}]})

    good = "good." + aws_resources["zone"]
    order, authz_url, chall, txt = acme.dns01_challenge(good)
    publish(good, txt)
    assert acme.validate(authz_url, chall)["status"] == "valid"
    asked = [q for q in stack.dns.queries if q["name"] == f"_acme-challenge.{good}."]
    assert asked and asked[0]["type"] == "TXT" and txt in asked[0]["answers"][0]

    # Issue, then check the management helpers against the certificate.
    chain, _ = acme.finalize(order, [good])
    leaf = x509.load_pem_x509_certificate(chain.encode())
    serial = format(leaf.serial_number, "x")
    assert stack.pebble.cert_status(serial)["Status"] == "Valid"
    root = x509.load_pem_x509_certificate(stack.pebble.root_pem().encode())
    inter = x509.load_pem_x509_certificate(stack.pebble.intermediate_pem().encode())
    assert leaf.issuer == inter.subject and inter.issuer == root.subject
    assert acme.revoke(chain, reason=4) == 200
    status = stack.pebble.cert_status(serial.upper())
    assert status["Status"] == "Revoked" and status["Reason"] == 4

    bad = "bad." + aws_resources["zone"]
    _, authz_url, chall, _ = acme.dns01_challenge(bad)
    publish(bad, "not-the-key-authorization")
    authz = acme.validate(authz_url, chall)
    assert authz["status"] == "invalid"
    err = next(c for c in authz["challenges"] if c["type"] == "dns-01")["error"]
    assert err["type"] == "urn:ietf:params:acme:error:unauthorized"
    assert stack.pebble.count("newOrder") == 2
    assert stack.pebble.count("finalize") == 1 and stack.pebble.count("revokeCert") == 1


def test_pebble_factory_eab_required(pebble_factory):
    p = pebble_factory(eab_required=True, eab_keys={"kid-1": "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajV"
                                                           "IoguysqZ9wG44nMEtx3MUAsUDkMTQ12W"})
    assert p.directory()["meta"]["externalAccountRequired"] is True
    acme = MiniAcme(p.directory_url, p.ca_bundle)
    status, problem, _ = acme.post(acme.dir["newAccount"], {"termsOfServiceAgreed": True})
    assert status == 403 and problem["type"].endswith(":externalAccountRequired"), problem


# -- recorders and the command line ----------------------------------------------------


def test_response_url_recorder(response_url):
    response_url.respond(500, "try again")
    for expected in (500, 200):
        req = urllib.request.Request(response_url.url + "/hooks/x", method="POST",
                                     data=b'{"text": "hi"}',
                                     headers={"Content-Type": "application/json"})
        try:
            status = urllib.request.urlopen(req, timeout=5).status
        except urllib.error.HTTPError as e:
            status = e.code
        assert status == expected
    reqs = response_url.wait_for(2)
    assert reqs[0].path == "/hooks/x" and reqs[0].headers["content-type"] == "application/json"
    assert response_url.messages() == [{"text": "hi"}, {"text": "hi"}]


def test_cli_up_writes_env_file_and_down_stops_everything(tmp_path):
    env_file = tmp_path / "stack.env"
    py = sys.executable
    p = subprocess.run([py, "-m", "tests.integration.stack", "up", "--background",
                        "--env-file", str(env_file), "--workdir", str(tmp_path / "w"),
                        "--no-pebble", "--bucket", "demo-bucket", "--zone", "demo.example.test"],
                       cwd=REPO, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    try:
        assert stat.S_IMODE(os.stat(env_file).st_mode) == 0o600
        out = subprocess.run(["sh", "-c", f'. "{env_file}" && /usr/bin/aws --endpoint-url '
                              '"$AWS_ENDPOINT_URL" s3api list-buckets --output json && '
                              'echo "$AAA_S3_KMS_KEY|$AAA_STACK_ZONES|$AAA_STACK_MOTO_URL"'],
                             capture_output=True, text=True, timeout=60,
                             env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)})
        assert out.returncode == 0, out.stderr
        assert "demo-bucket" in out.stdout
        kms, zones, moto_url = out.stdout.strip().splitlines()[-1].split("|")
        assert kms and zones.startswith("demo.example.test=")
    finally:
        d = subprocess.run([py, "-m", "tests.integration.stack", "down", "--env-file",
                            str(env_file)], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert d.returncode == 0, d.stderr
    assert not env_file.exists()
    port = int(moto_url.rsplit(":", 1)[1])
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0  # moto is gone
