"""The whole local stack wired together, for pytest fixtures and for `make demo`.

    moto_server  <-  verifying/fault proxy  <-  aaa, /usr/bin/aws, botocore clients
        ^
        +---- Route53 DNS server  <-  pebble's VA (-dnsserver)
                                      pebble  <-  ACME proxy (HTTPS)  <-  aaa

All on 127.0.0.1, free ports, one throw-away TLS CA for pebble and its proxy.
"""

import os
import tempfile
import uuid

import botocore.session
from botocore.config import Config

from .dnsserver import Route53DNS
from .motoserver import MotoServer
from .pebble import Pebble
from .proxy import ProxyServer
from .sigv4 import DEFAULT_SECRETS, SigV4Verifier
from .util import make_tls_files

ACCESS_KEY = "AKIDTEST"
SECRET_KEY = DEFAULT_SECRETS[ACCESS_KEY]
REGION = "us-east-1"


def botocore_client(service, endpoint_url, access_key=ACCESS_KEY, secret_key=SECRET_KEY,
                    region=REGION, session_token=None, attempts=1):
    """A botocore client for `service` at `endpoint_url` (path-style S3).

    attempts: total tries per call; the default 1 means no retries, so a test
    sees each injected fault instead of botocore quietly retrying past it.

    boto3 is not in Debian's python; botocore's client is what boto3 wraps.
    """
    return botocore.session.get_session().create_client(
        service, endpoint_url=endpoint_url, region_name=region,
        aws_access_key_id=access_key, aws_secret_access_key=secret_key,
        aws_session_token=session_token,
        config=Config(s3={"addressing_style": "path"},
                      retries={"total_max_attempts": attempts, "mode": "standard"},
                      connect_timeout=5, read_timeout=30))


class AwsEndpoint:
    """moto behind the verifying proxy: the AWS that aaa and the tests talk to."""

    def __init__(self, moto, proxy):
        self.moto = moto
        self.proxy = proxy

    @property
    def url(self):
        """The endpoint for clients (AWS_ENDPOINT_URL): the verifying proxy."""
        return self.proxy.url

    @property
    def verifier(self):
        return self.proxy.verifier

    @property
    def faults(self):
        return self.proxy.faults

    def env(self):
        """Credentials and endpoint as environment variables (for aaa and /usr/bin/aws)."""
        return {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT_URL": self.url,
        }

    def client(self, service, **kw):
        """botocore client through the verifying proxy (its requests are judged too)."""
        return botocore_client(service, self.url, **kw)

    def direct_client(self, service, **kw):
        """botocore client straight to moto: set-up and inspection that must not count."""
        return botocore_client(service, self.moto.url, **kw)

    # -- fixtures for aaa: a bucket, a KMS key, a hosted zone ---------------------

    def create_bucket(self, name=None):
        name = name or f"aaa-test-{uuid.uuid4().hex[:12]}"
        self.direct_client("s3").create_bucket(Bucket=name)
        return name

    def create_kms_key(self, alias=None, spec="SYMMETRIC_DEFAULT", usage="ENCRYPT_DECRYPT"):
        """Returns dict(key_id, arn, alias)."""
        kms = self.direct_client("kms")
        meta = kms.create_key(KeySpec=spec, KeyUsage=usage,
                              Description="aaa test key")["KeyMetadata"]
        if alias:
            alias = alias if alias.startswith("alias/") else "alias/" + alias
            kms.create_alias(AliasName=alias, TargetKeyId=meta["KeyId"])
        return {"key_id": meta["KeyId"], "arn": meta["Arn"], "alias": alias}

    def create_zone(self, name, private=False):
        """A hosted zone; returns its bare id (no /hostedzone/ prefix)."""
        kw = {}
        if private:
            vpc = self.direct_client("ec2").create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
            kw["VPC"] = {"VPCRegion": REGION, "VPCId": vpc}
            kw["HostedZoneConfig"] = {"PrivateZone": True, "Comment": "private"}
        r = self.direct_client("route53").create_hosted_zone(
            Name=name, CallerReference=uuid.uuid4().hex, **kw)
        return r["HostedZone"]["Id"].split("/")[-1]

    def records(self, zone_id, rtype=None, name=None):
        """The zone's record sets as moto has them now (filtered by type/name)."""
        r53 = self.direct_client("route53")
        out, kw = [], {}
        while True:
            r = r53.list_resource_record_sets(HostedZoneId=zone_id, **kw)
            out += r["ResourceRecordSets"]
            if not r.get("IsTruncated"):
                break
            kw = {"StartRecordName": r["NextRecordName"], "StartRecordType": r["NextRecordType"]}
        norm = (name.rstrip(".") + ".").lower() if name else None
        return [s for s in out if (rtype is None or s["Type"] == rtype)
                and (norm is None or s["Name"].lower() == norm)]

    def reset(self):
        """Between tests: empty moto, clear faults, stats and clock offset."""
        self.moto.reset()
        self.proxy.faults.clear()
        self.proxy.reset_stats()
        self.proxy.forget_changes()
        self.proxy.set_clock_offset(0)


class Stack:
    """moto + verifying proxy + DNS + pebble (+ ACME proxy), started together.

    with_dns/with_pebble allow a smaller stack (AWS only). pebble_opts go to Pebble().
    stop() stops everything that was started, in reverse order, even after a
    failed start().
    """

    def __init__(self, workdir=None, secrets=None, with_dns=True, with_pebble=True,
                 pebble_opts=None, moto_python=None):
        self.workdir = workdir or tempfile.mkdtemp(prefix="aaa-stack-")
        self.secrets = secrets
        self.with_dns = with_dns or with_pebble
        self.with_pebble = with_pebble
        self.pebble_opts = dict(pebble_opts or {})
        self.moto_python = moto_python
        self.tls = None
        self.moto = self.aws = self.dns = self.pebble = None
        self._started = []

    def start(self):
        try:
            os.makedirs(self.workdir, exist_ok=True)
            self.tls = make_tls_files(os.path.join(self.workdir, "tls"))
            self.moto = self._up(MotoServer(python=self.moto_python, log_dir=self.workdir))
            proxy = self._up(ProxyServer(self.moto.url, kind="aws",
                                         verifier=SigV4Verifier(self.secrets), name="aws-proxy"))
            self.aws = AwsEndpoint(self.moto, proxy)
            if self.with_dns:
                self.dns = self._up(Route53DNS(self.moto.url))
            if self.with_pebble:
                self.pebble = self._up(self.new_pebble(**self.pebble_opts))
        except BaseException:
            self.stop()
            raise
        return self

    def _up(self, component):
        component.start()
        self._started.append(component)
        return component

    def new_pebble(self, **opts):
        """Another pebble (not started) on this stack's DNS and TLS CA, e.g. with EAB."""
        opts.setdefault("dns_address", self.dns.address if self.dns else None)
        return Pebble(self.tls, os.path.join(self.workdir, "pebble"), **opts)

    def stop(self):
        errors = []
        while self._started:
            c = self._started.pop()
            try:
                c.stop()
            except Exception as exc:  # noqa: BLE001 - keep stopping the rest
                errors.append(exc)
        if errors:
            raise errors[0]

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def ca_bundle(self):
        return self.tls["ca_cert"]

    def aaa_env(self, home, pebble=None, base=None):
        """Environment for running the aaa binary against this stack.

        A clean environment (PATH and locale kept) so the developer's real AWS
        settings never leak in; HOME is a temp dir, so no ~/.aws is read.
        """
        pebble = pebble or self.pebble
        env = {k: v for k, v in (base if base is not None else os.environ).items()
               if k in ("PATH", "LANG", "LC_ALL", "TZ", "ASAN_OPTIONS", "UBSAN_OPTIONS",
                        "LSAN_OPTIONS")}
        env.update(self.aws.env())
        env.update({
            "HOME": str(home),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AAA_CA_BUNDLE": self.ca_bundle,
        })
        if pebble is not None:
            env["AAA_DIRECTORY"] = pebble.directory_url
        return env

    def env_vars(self):
        """Everything a shell script needs to use the stack (written by `up --env-file`)."""
        v = dict(self.aws.env())
        v.update({
            "AAA_CA_BUNDLE": self.ca_bundle,
            "AAA_STACK_WORKDIR": self.workdir,
            "AAA_STACK_MOTO_URL": self.moto.url,
            "AAA_STACK_AWS_PROXY_URL": self.aws.url,
        })
        if self.dns:
            v["AAA_STACK_DNS"] = self.dns.address
        if self.pebble:
            v.update({
                "AAA_DIRECTORY": self.pebble.directory_url,
                "AAA_STACK_ACME_PROXY_URL": self.pebble.url,
                "AAA_STACK_PEBBLE_DIRECTORY": self.pebble.direct_directory_url,
                "AAA_STACK_PEBBLE_MGMT_URL": self.pebble.management_url,
            })
        return v
