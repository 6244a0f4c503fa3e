"""The original Go aaa's CLI flow with the real binary: reg, authz, cert, ls, sync, revoke.

pebble is the CA; its VA resolves _acme-challenge names through the stack's DNS
server, which answers from moto's Route53, so DNS-01 really runs end to end
(no PEBBLE_VA_ALWAYS_VALID). Certificates are checked with the Python
`cryptography` package, not with aaa's own parser.
"""

import json
import os
import stat
import subprocess
import threading
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtensionOID


def _json(proc):
    assert proc.returncode == 0, f"exit {proc.returncode}\nstdout: {proc.stdout}\nstderr: {proc.stderr}"
    return json.loads(proc.stdout)


@pytest.fixture
def store(tmp_path):
    return f"file://{tmp_path}/store"


@pytest.fixture
def zone(aws):
    import uuid
    name = f"z{uuid.uuid4().hex[:8]}.example.test"
    return {"name": name, "id": aws.create_zone(name)}


@pytest.fixture
def cli(aaa, store):
    """aaa with the file store, registered at the session pebble."""

    def run(*args, **kw):
        return aaa(*args, "--store", store, **kw)

    _json(run("reg", "--email", "admin@example.test", "--agree"))
    return run


def _read(store, *parts):
    path = os.path.join(store[len("file://"):], "aaa-data", "v1", *parts)
    with open(path, "rb") as f:
        return f.read()


def _cert(store, name):
    seg = name.replace("*", "_wildcard_")
    return x509.load_pem_x509_certificate(_read(store, "certs", seg, "cert.pem"))


def _sans(cert):
    return sorted(cert.extensions.get_extension_for_oid(
        ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value.get_values_for_type(x509.DNSName))


def _txt_records(aws_cli, zone_id):
    out = aws_cli.json("route53", "list-resource-record-sets", "--hosted-zone-id", zone_id)
    return [r for r in out["ResourceRecordSets"] if r["Type"] == "TXT"]


def test_reg_without_agree_names_the_terms_and_stores_nothing(aaa, store, pebble):
    p = aaa("reg", "--email", "a@example.test", "--store", store)
    assert p.returncode == 1
    assert "terms" in p.stderr.lower() and "--agree" in p.stderr
    assert pebble.count("newAccount") == 0
    assert not os.path.exists(store[len("file://"):] + "/aaa-data/v1/accounts")


def test_reg_twice_finds_the_same_account(cli, store):
    again = _json(cli("reg", "--email", "admin@example.test", "--agree"))
    assert again["created"] is False
    # reg leaves an empty index for the scheduler, which may only read that one object.
    assert json.loads(_read(store, "index.json")) == {"version": 1, "certs": {}}


def test_one_name_end_to_end(cli, store, zone, pebble, aws_cli, dns):
    name = f"www.{zone['name']}"
    pebble.reset_stats()
    out = _json(cli("cert", "--cn", name))
    assert out["state"] == "done"
    cert = _cert(store, name)
    assert _sans(cert) == [name]
    # The private key in the store matches the certificate and is 0600.
    keyfile = os.path.join(store[len("file://"):], "aaa-data", "v1", "certs", name, "privkey.pem")
    assert stat.S_IMODE(os.stat(keyfile).st_mode) == 0o600
    key = serialization.load_pem_private_key(_read(store, "certs", name, "privkey.pem"), None)
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    # pebble knows it as valid, and the TXT record is gone again.
    assert pebble.cert_status(format(cert.serial_number, "x"))["Status"] == "Valid"
    assert _txt_records(aws_cli, zone["id"]) == []
    # RFC 8555 minimum for one name: directory, nonce, newOrder, authz, challenge,
    # order poll, finalize, certificate, plus the account lookup: a few polls at most.
    assert pebble.count("newOrder") == 1
    assert pebble.count() <= 14, pebble.stats()


def test_five_names_one_order_one_batch(cli, store, zone, pebble, aws):
    names = [f"n{i}.{zone['name']}" for i in range(5)]
    pebble.reset_stats()
    args = ["cert", "--cn", names[0]]
    for n in names[1:]:
        args += ["--domain", n]
    _json(cli(*args))
    assert _sans(_cert(store, names[0])) == sorted(names)
    assert pebble.count("newOrder") == 1
    # One batch to publish, one to clean up: never one per name.
    assert aws.proxy.count(action="ChangeResourceRecordSets") == 2, aws.proxy.stats()


def test_wildcard_and_apex_share_the_record(cli, store, zone, aws_cli):
    apex = zone["name"]
    _json(cli("cert", "--cn", apex, "--domain", f"*.{apex}"))
    assert _sans(_cert(store, apex)) == sorted([apex, f"*.{apex}"])
    assert _txt_records(aws_cli, zone["id"]) == []


def test_names_in_two_zones(cli, store, aws):
    import uuid
    z1 = f"a{uuid.uuid4().hex[:6]}.example.test"
    z2 = f"b{uuid.uuid4().hex[:6]}.example.test"
    aws.create_zone(z1)
    aws.create_zone(z2)
    _json(cli("cert", "--cn", f"www.{z1}", "--domain", f"www.{z2}"))
    assert _sans(_cert(store, f"www.{z1}")) == sorted([f"www.{z1}", f"www.{z2}"])


def test_key_reuse_and_create_key(cli, store, zone):
    name = f"k.{zone['name']}"
    _json(cli("cert", "--cn", name))
    first = _read(store, "certs", name, "privkey.pem")
    _json(cli("cert", "--cn", name))
    assert _read(store, "certs", name, "privkey.pem") == first, "the stored key is reused"
    _json(cli("cert", "--cn", name, "--create-key"))
    assert _read(store, "certs", name, "privkey.pem") != first, "--create-key makes a new key"
    # The history keeps every serial.
    hist = os.listdir(os.path.join(store[len("file://"):], "aaa-data", "v1", "certs", name,
                                   "history"))
    assert len([h for h in hist if h.endswith(".pem")]) == 3


@pytest.mark.parametrize("key_type,cls,size", [
    ("ec256", ec.EllipticCurvePublicKey, 256), ("ec384", ec.EllipticCurvePublicKey, 384),
    ("rsa2048", rsa.RSAPublicKey, 2048), ("rsa3072", rsa.RSAPublicKey, 3072),
    ("rsa4096", rsa.RSAPublicKey, 4096)])
def test_every_key_type(cli, store, zone, key_type, cls, size):
    name = f"{key_type}.{zone['name']}"
    _json(cli("cert", "--cn", name, "--key-type", key_type))
    pub = _cert(store, name).public_key()
    assert isinstance(pub, cls) and pub.key_size == size


def test_ls_shows_the_seed_shape(cli, zone):
    name = f"ls.{zone['name']}"
    _json(cli("cert", "--cn", name))
    out = _json(cli("ls"))
    acc = [a for a in out if a["email"] == "admin@example.test"]
    assert acc and acc[0]["account"].startswith("https://")
    dom = [d for d in acc[0]["domains"] if d["domain"] == name]
    assert dom, out
    c = dom[0]["certificate"]
    assert c["san"] == [name] and c["not_before"] < c["not_after"]
    assert c["not_before"] <= c["renew_after"] < c["not_after"]


def test_sync_writes_atomically_and_runs_the_hook_only_on_change(cli, zone, tmp_path):
    name = f"sync.{zone['name']}"
    _json(cli("cert", "--cn", name))
    target = tmp_path / "tls"
    marker = tmp_path / "hook-ran"
    hook = f"echo \"$AAA_SYNC_DOMAIN\" >> {marker}"
    first = _json(cli("sync", "--domain", name, "--dir", str(target), "--post-hook", hook))
    assert first["changed"] is True
    assert marker.read_text().split() == [name]
    assert sorted(os.listdir(target)) == ["cert.pem", "chain.pem", "fullchain.pem",
                                          "privkey.pem"]
    assert stat.S_IMODE(os.stat(target / "privkey.pem").st_mode) == 0o600
    again = _json(cli("sync", "--domain", name, "--dir", str(target), "--post-hook", hook))
    assert again["changed"] is False
    assert marker.read_text().split() == [name], "the hook runs only when files change"
    # A failing hook is an error with its exit status.
    (target / "cert.pem").write_text("stale")
    bad = cli("sync", "--domain", name, "--dir", str(target), "--post-hook", "exit 3")
    assert bad.returncode == 1 and "exit status 3" in bad.stderr


def _pubkey_der(pem_path, kind):
    """The public key of a certificate (x509) or private key (pkey) file, as
    openssl (not aaa) reads it."""
    args = (["openssl", "x509", "-noout", "-pubkey", "-in", pem_path] if kind == "x509"
            else ["openssl", "pkey", "-pubout", "-in", pem_path])
    r = subprocess.run(args, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_sync_combined_is_key_and_full_chain_in_one_0600_file(cli, zone, tmp_path):
    name = f"hap.{zone['name']}"
    other = f"www.{name}"
    _json(cli("cert", "--cn", name, "--domain", other))
    target = tmp_path / "haproxy"
    marker = tmp_path / "names"
    hook = f"echo \"$AAA_RENEWED_NAMES\" > {marker}"
    first = _json(cli("sync", "-d", name, "--dir", str(target), "--format", "combined",
                      "--post-hook", hook))
    assert first["changed"] is True
    assert sorted(os.listdir(target)) == ["combined.pem"]
    combined = target / "combined.pem"
    assert stat.S_IMODE(os.stat(combined).st_mode) == 0o600
    text = combined.read_text()
    assert text.index("PRIVATE KEY-----") < text.index("BEGIN CERTIFICATE")
    assert text.count("BEGIN CERTIFICATE") >= 2, "the full chain, not the leaf alone"
    assert _pubkey_der(str(combined), "x509") == _pubkey_der(str(combined), "pkey")
    assert sorted(marker.read_text().split()) == sorted([name, other])
    again = _json(cli("sync", "-d", name, "--dir", str(target), "--format", "combined",
                      "--post-hook", "exit 9"))
    assert again["changed"] is False, "unchanged: the hook (exit 9) did not run"


def test_sync_pkcs12_opens_with_openssl_and_is_rewritten_only_on_change(cli, store, zone,
                                                                        tmp_path):
    name = f"p12.{zone['name']}"
    _json(cli("cert", "--cn", name))
    target = tmp_path / "java"
    pw = {"AAA_PKCS12_PASSWORD": "s3cret-p12"}
    first = _json(cli("sync", "-d", name, "--dir", str(target), "--format", "pkcs12",
                      extra_env=pw))
    assert first["changed"] is True
    p12 = target / "cert.p12"
    assert sorted(os.listdir(target)) == ["cert.p12"]
    assert stat.S_IMODE(os.stat(p12).st_mode) == 0o600
    r = subprocess.run(["openssl", "pkcs12", "-in", str(p12), "-nodes", "-passin",
                        "env:PW"], env=dict(os.environ, PW="s3cret-p12"),
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert "PRIVATE KEY" in r.stdout and r.stdout.count("BEGIN CERTIFICATE") >= 2
    assert f"friendlyName: {name}" in r.stdout
    leaf = x509.load_pem_x509_certificate(r.stdout[r.stdout.index("-----BEGIN CERTIFICATE"):]
                                          .encode())
    assert leaf.serial_number == _cert(store, name).serial_number
    before = p12.read_bytes()
    # Same key and chain: not rewritten (a PKCS#12 is salted afresh, so aaa
    # opens the old one to compare) and the hook does not run.
    again = _json(cli("sync", "-d", name, "--dir", str(target), "--format", "pkcs12",
                      "--post-hook", "exit 9", extra_env=pw))
    assert again["changed"] is False and p12.read_bytes() == before
    # Another password (from a file this time): written again.
    pwfile = tmp_path / "pw"
    pwfile.write_text("other-pass\n")
    os.chmod(pwfile, 0o600)
    third = _json(cli("sync", "-d", name, "--dir", str(target), "--format", "pkcs12",
                      "--pkcs12-password-file", str(pwfile)))
    assert third["changed"] is True
    r = subprocess.run(["openssl", "pkcs12", "-in", str(p12), "-nodes", "-passin",
                        f"file:{pwfile}"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and "PRIVATE KEY" in r.stdout, r.stderr


def test_sync_format_bad_input_writes_nothing(cli, zone, tmp_path):
    name = f"badfmt.{zone['name']}"
    _json(cli("cert", "--cn", name))
    target = tmp_path / "out"
    r = cli("sync", "-d", name, "--dir", str(target), "--format", "der")
    assert r.returncode == 2 and "--format der" in r.stderr
    r = cli("sync", "-d", name, "--dir", str(target), "--format", "pkcs12",
            extra_env={"AAA_PKCS12_PASSWORD": ""})
    assert r.returncode == 2 and "needs a password" in r.stderr
    r = cli("sync", "-d", name, "--dir", str(target), "--format", "pkcs12",
            "--pkcs12-password-file", str(tmp_path / "missing"))
    assert r.returncode == 1 and "--pkcs12-password-file" in r.stderr and "cannot be read" \
        in r.stderr
    assert not target.exists()


def test_revoke_then_pebble_reports_it(cli, store, zone, pebble):
    name = f"rev.{zone['name']}"
    _json(cli("cert", "--cn", name))
    serial = format(_cert(store, name).serial_number, "x")
    _json(cli("revoke", "--domain", name, "--reason", "superseded"))
    st = pebble.cert_status(serial)
    assert st["Status"] == "Revoked" and st["Reason"] == 4
    meta = json.loads(_read(store, "certs", name, "meta.json"))
    assert meta["revoked"] is True and meta["revoked_reason"] == "superseded"


def test_authz_then_cert_reuses_the_authorization(aaa, store, zone, pebble_factory, stack,
                                                  tmp_path):
    p = pebble_factory(authz_reuse=100)
    env = stack.aaa_env(tmp_path / "h", pebble=p)

    name = f"az.{zone['name']}"
    base = ["--store", store, "--directory", p.directory_url]
    r = aaa("reg", "--email", "a@example.test", "--agree", *base, env=env)
    _json(r)
    _json(aaa("authz", "--domain", name, "--challenge", "dns-01", *base, env=env))
    listed = [d for acc in _json(aaa("ls", *base, env=env)) for d in acc["domains"]
              if d["domain"] == name]
    assert listed and listed[0]["authorization"]["expires"] > "2026", listed
    # authz again: the authorization is still valid, so nothing is validated or issued.
    p.reset_stats()
    _json(aaa("authz", "--domain", name, *base, env=env))
    assert p.count("challenge") == 0 and p.count("finalize") == 0
    p.reset_stats()
    _json(aaa("cert", "--cn", name, *base, env=env))
    assert p.count("challenge") == 0, "a valid authorization is reused, no new challenge"
    listed = [d for acc in _json(aaa("ls", *base, env=env)) for d in acc["domains"]
              if d["domain"] == name]
    assert len(listed) == 1 and listed[0]["authorization"]["expires"]
    assert listed[0]["certificate"]["san"] == [name]


def test_eab_required(aaa, store, pebble_factory, stack, tmp_path):
    from tests.integration.stack import make_eab_key
    kid, hmac = "kid-1", make_eab_key()
    p = pebble_factory(eab_keys={kid: hmac}, eab_required=True)
    env = stack.aaa_env(tmp_path / "h", pebble=p)
    base = ["--store", store, "--directory", p.directory_url]
    missing = aaa("reg", "--email", "a@example.test", "--agree", *base, env=env)
    assert missing.returncode == 1 and "External Account Binding" in missing.stderr
    ok = _json(aaa("reg", "--email", "a@example.test", "--agree", "--eab-kid", kid,
                   "--eab-hmac-key", hmac, *base, env=env))
    assert ok["created"] is True
    assert hmac not in missing.stderr + missing.stdout


def test_nonce_rejection_storm(aaa, store, zone, pebble_factory, stack, tmp_path):
    p = pebble_factory(nonce_reject=50)
    env = stack.aaa_env(tmp_path / "h", pebble=p)
    base = ["--store", store, "--directory", p.directory_url]
    _json(aaa("reg", "--email", "a@example.test", "--agree", *base, env=env))
    out = _json(aaa("cert", "--cn", f"nonce.{zone['name']}", *base, env=env))
    assert out["state"] == "done"


def test_preferred_chain(aaa, store, zone, pebble_factory, stack, tmp_path):
    p = pebble_factory(alternate_roots=1)
    env = stack.aaa_env(tmp_path / "h", pebble=p)
    base = ["--store", store, "--directory", p.directory_url]
    _json(aaa("reg", "--email", "a@example.test", "--agree", *base, env=env))
    alt_issuer = x509.load_pem_x509_certificate(p.intermediate_pem(1).encode())
    cn = alt_issuer.issuer.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    name = f"chain.{zone['name']}"
    _json(aaa("cert", "--cn", name, "--preferred-chain", cn, *base, env=env))
    pems = _read(store, "certs", name, "chain.pem").decode().split("-----END CERTIFICATE-----")
    chain = [x509.load_pem_x509_certificate((p + "-----END CERTIFICATE-----\n").encode())
             for p in pems if "BEGIN CERTIFICATE" in p]
    assert chain[-1].issuer.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == cn


@pytest.mark.parametrize("args,words", [
    (["--cn", "bad..name.example.test"], "bad..name"),
    (["--cn", "a.{zone}", "--domain", "b.{zone}", "--domain", "B.{zone}"], "more than once"),
    (["--cn", "www.*.{zone}"], "leftmost label"),
    (["--cn", "www.not-a-zone.invalid"], "hosted zone"),
])
def test_bad_names_fail_before_any_order(cli, zone, pebble, aws_cli, args, words):
    args = [a.replace("{zone}", zone["name"]) for a in args]
    pebble.reset_stats()
    p = cli("cert", *args)
    assert p.returncode == 1, p.stderr
    assert words.lower() in p.stderr.lower(), p.stderr
    assert pebble.count("newOrder") == 0
    assert _txt_records(aws_cli, zone["id"]) == []


def test_unreachable_ca(aaa, store):
    p = aaa("reg", "--email", "a@example.test", "--agree", "--store", store,
            "--directory", "https://127.0.0.1:1/dir")
    assert p.returncode == 1
    assert "127.0.0.1:1" in p.stderr and "directory" in p.stderr


def test_cert_without_account_says_what_to_do(aaa, store):
    p = aaa("cert", "--cn", "x.example.test", "--store", store)
    assert p.returncode == 1
    assert "aaa reg" in p.stderr


def test_wrong_txt_value_fails_with_pebbles_error_and_leaves_no_record(cli, zone, aws, aws_cli,
                                                                        dns, pebble):
    """While aaa waits for INSYNC, someone replaces its TXT value: pebble's VA then sees a
    wrong value, the order fails with pebble's own error, and aaa's value is cleaned up."""
    name = f"wrong.{zone['name']}"
    record = f"_acme-challenge.{name}"
    aws.proxy.faults.add({"fault": "pending", "service": "route53",
                          "action": "GetChange|ChangeResourceRecordSets", "seconds": 4,
                          "count": None})
    result = {}

    def run():
        result["p"] = cli("cert", "--cn", name)

    t = threading.Thread(target=run)
    t.start()
    deadline = time.time() + 20
    while time.time() < deadline and not dns.txt(record):
        time.sleep(0.1)
    assert dns.txt(record), "aaa never published its TXT record"
    batch = {"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
        "Name": record, "Type": "TXT", "TTL": 60,
        "ResourceRecords": [{"Value": '"not-the-right-value"'}]}}]}
    aws_cli.json("route53", "change-resource-record-sets", "--hosted-zone-id", zone["id"],
                "--change-batch", json.dumps(batch))
    t.join(60)
    p = result["p"]
    assert p.returncode == 1, p.stderr
    assert "urn:ietf:params:acme:error:" in p.stderr, p.stderr
    left = [v for r in _txt_records(aws_cli, zone["id"]) for v in r["ResourceRecords"]]
    assert left == [{"Value": '"not-the-right-value"'}], left


def test_account_key_held_in_kms(aaa, store, zone, aws, pebble):
    """The account key never leaves KMS: reg and cert sign with KMS Sign; the store holds
    no account key.pem, only the reference."""
    key = aws.create_kms_key(spec="ECC_NIST_P256", usage="SIGN_VERIFY")
    out = _json(aaa("reg", "--email", "kms@example.test", "--agree", "--account-key",
                    f"kms:{key['key_id']}", "--store", store))
    assert out["created"] is True
    accounts = os.path.join(store[len("file://"):], "aaa-data", "v1", "accounts")
    files = [f for _, _, fs in os.walk(accounts) for f in fs]
    assert "account.json" in files and "key.pem" not in files
    name = f"kms.{zone['name']}"
    _json(aaa("cert", "--cn", name, "--store", store))
    assert _sans(_cert(store, name)) == [name]
    assert aws.proxy.count(action="Sign") >= 3, "every ACME request was signed by KMS"


def test_key_rollover_then_a_new_order_works(cli, store, zone):
    accdir = os.path.join(store[len("file://"):], "aaa-data", "v1", "accounts")
    keyfile = [os.path.join(d, f) for d, _, fs in os.walk(accdir) for f in fs
               if f == "key.pem"][0]
    before = open(keyfile, "rb").read()
    out = _json(cli("reg", "--email", "admin@example.test", "--agree", "--account-key",
                    "rsa2048"))
    assert out["created"] is False
    after = open(keyfile, "rb").read()
    assert after != before
    assert isinstance(serialization.load_pem_private_key(after, None), rsa.RSAPrivateKey)
    assert not any(f == "key-next.pem" for _, _, fs in os.walk(accdir) for f in fs)
    name = f"roll.{zone['name']}"
    _json(cli("cert", "--cn", name))
    assert _sans(_cert(store, name)) == [name]
