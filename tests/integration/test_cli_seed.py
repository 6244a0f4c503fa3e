"""The original aaa's README, command by command, as written.

People move from the original aaa with scripts that pass the same common flags
(--email, --s3-bucket, --s3-kms-key) to every command; each line below is one
of its README's command lines, with only the placeholders (the email, the
bucket, the KMS key, the domains) filled in. Each runs through /bin/sh with the
real binary as `aaa` on PATH, against the S3 store (moto, SSE-KMS) and pebble
(AAA_DIRECTORY, the twin of --directory, as a user's environment would set it).
"""

import json
import os
import subprocess

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtensionOID

# The original README's lines, in its order. E: email, B: bucket, K: KMS key,
# D1/D2: the two domains (le-test-01/le-test-02 in the README).
SEED_LINES = [
    ("reg", "aaa reg --email {E} --s3-bucket {B} --s3-kms-key {K}"),
    ("reg_agree", "aaa reg --email {E} --s3-bucket {B} --s3-kms-key {K} --agree"),
    ("authz1", "aaa authz --email {E} --s3-bucket {B} --s3-kms-key {K} --domain {D1} "
               "--challenge dns-01"),
    ("authz2", "aaa authz --email {E} --s3-bucket {B} --s3-kms-key {K} --domain {D2} "
               "--challenge dns-01"),
    ("cert_create", "aaa cert --email {E} --s3-bucket {B} --s3-kms-key {K} --cn {D1} "
                    "--domain {D2} --create-key"),
    ("ls", "aaa ls --s3-bucket {B} --s3-kms-key {K} | jq -r ."),
    ("cert_renew", "aaa cert --email {E} --s3-bucket {B} --s3-kms-key {K} --cn {D1} "
                   "--domain {D2}"),
    ("cert_rekey", "aaa cert --email {E} --s3-bucket {B} --s3-kms-key {K} --create-key "
                   "--cn {D1} --domain {D2}"),
    ("sync", "aaa sync --email {E} --domain {D1} --s3-bucket {B}"),
]


def _sans(pem):
    cert = x509.load_pem_x509_certificate(pem)
    return sorted(cert.extensions.get_extension_for_oid(
        ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value.get_values_for_type(x509.DNSName)), cert


def test_every_readme_line_as_written(aaa_bin, aaa_env, aws_resources, pebble, aws, tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    os.symlink(os.path.abspath(aaa_bin), bindir / "aaa")
    work = tmp_path / "work"
    work.mkdir()
    env = dict(aaa_env)
    env["PATH"] = f"{bindir}:{env.get('PATH', '/usr/bin:/bin')}"
    zone = aws_resources["zone"]
    fill = {"E": f"you@{zone}", "B": aws_resources["bucket"],
            "K": aws_resources["kms_key_id"], "D1": f"le-test-01.{zone}",
            "D2": f"le-test-02.{zone}"}
    runs = {}
    for tag, line in SEED_LINES:
        cmd = line.format(**fill)
        runs[tag] = subprocess.run(["/bin/sh", "-c", cmd], cwd=work, env=env,
                                   capture_output=True, text=True, timeout=180)
        p = runs[tag]
        expect = 1 if tag == "reg" else 0
        assert p.returncode == expect, f"{cmd}\nexit {p.returncode}\n{p.stdout}\n{p.stderr}"

    # reg without --agree names the terms and how to agree, and registers nothing
    # (the next line, with --agree, creates the account).
    assert "terms" in runs["reg"].stderr.lower() and "--agree" in runs["reg"].stderr
    assert json.loads(runs["reg_agree"].stdout)["created"] is True
    # authz validated each name on its own; cert then found both authorized.
    assert json.loads(runs["authz1"].stdout)["names"] == [fill["D1"]]
    assert json.loads(runs["authz2"].stdout)["names"] == [fill["D2"]]
    first = json.loads(runs["cert_create"].stdout)["certificate"]
    assert first["san"] == sorted([fill["D1"], fill["D2"]])
    # ls through jq: the original's JSON, with the account's email and the certificate.
    listed = json.loads(runs["ls"].stdout)
    acc = [a for a in listed if a["email"] == fill["E"]]
    assert acc, listed
    dom = [d for d in acc[0]["domains"] if d["domain"] == fill["D1"]]
    assert dom and dom[0]["certificate"]["serial"] == first["serial"]
    # The renewal is a new certificate; --create-key is a new key.
    renewed = json.loads(runs["cert_renew"].stdout)["certificate"]
    rekeyed = json.loads(runs["cert_rekey"].stdout)["certificate"]
    assert len({first["serial"], renewed["serial"], rekeyed["serial"]}) == 3
    # sync without --dir (and without --s3-kms-key: S3 decrypts what SSE-KMS wrote)
    # writes into ./<domain>, as the original did, the latest certificate and its key.
    out = json.loads(runs["sync"].stdout)
    assert out["changed"] is True
    folder = work / fill["D1"]
    assert sorted(os.listdir(folder)) == ["cert.pem", "chain.pem", "fullchain.pem",
                                          "privkey.pem"]
    sans, cert = _sans((folder / "cert.pem").read_bytes())
    assert sans == sorted([fill["D1"], fill["D2"]])
    assert format(cert.serial_number, "x").lstrip("0") == rekeyed["serial"].lower().lstrip("0")
    key = serialization.load_pem_private_key((folder / "privkey.pem").read_bytes(), None)
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()
    assert os.stat(folder / "privkey.pem").st_mode & 0o777 == 0o600
    # Everything went to S3 encrypted with the KMS key.
    s3 = aws.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=fill["B"])["Contents"]]
    assert keys and all(k.startswith("aaa-data/") for k in keys)
    head = s3.head_object(Bucket=fill["B"], Key=[k for k in keys if k.endswith("privkey.pem")][0])
    assert head["ServerSideEncryption"] == "aws:kms"


def test_certbot_short_forms_and_agree_tos(aaa, tmp_path, aws, pebble):
    """-m (email), --agree-tos and -d (domain), as certbot spells them."""
    import uuid
    zone = f"s{uuid.uuid4().hex[:8]}.example.test"
    aws.create_zone(zone)
    store = ["--store", f"file://{tmp_path}/store"]
    p = aaa("reg", "-m", f"admin@{zone}", "--agree-tos", *store)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["email"] == f"admin@{zone}"
    p = aaa("cert", "--cn", f"a.{zone}", "-d", f"b.{zone}", f"-dc.{zone}", *store)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["certificate"]["san"] == sorted(
        [f"a.{zone}", f"b.{zone}", f"c.{zone}"])
