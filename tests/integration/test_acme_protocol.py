"""The RFC 8555 core (src/acme) against pebble, through tests/tools/acme_tool.

DNS-01 is real: the test itself puts the TXT records the tool prints into
moto's Route53, and pebble's VA reads them through the stack's DNS server
(no PEBBLE_VA_ALWAYS_VALID). The Route53 side of the product is tested
elsewhere; here the test plays it, so a failure points at the ACME code.
"""

import base64
import json
import os
import subprocess
import time

import pytest

from tests.integration.stack.pebble import make_eab_key

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("AAA_BUILD", os.path.join(_REPO, "build"))
TOOL = os.path.join(BUILD, "tools", "acme_tool")
PREFIX = "urn:ietf:params:acme:error:"


@pytest.fixture
def tool(stack):
    if not os.access(TOOL, os.X_OK):
        pytest.fail(f"{TOOL} is not built (make {TOOL}, or set AAA_BUILD)")
    env = dict(os.environ)
    env.update({"AAA_CA_BUNDLE": stack.ca_bundle, "AAA_LOG_LEVEL": "warn"})
    env.pop("http_proxy", None)
    env.pop("https_proxy", None)

    def run(*args, input=None, timeout=120):
        return subprocess.run([TOOL, *args], env=env, capture_output=True, text=True,
                              input=input, timeout=timeout)

    run.env = env
    return run


def _json(p):
    assert p.stdout.strip(), p.stderr
    return json.loads(p.stdout)


def _register(tool, directory, keyfile, *extra):
    p = tool("register", directory, str(keyfile), "admin@example.test", "--agree", *extra)
    assert p.returncode == 0, p.stdout + p.stderr
    return _json(p)


def _publish(r53, zone_id, records, action="UPSERT"):
    """One ChangeBatch with every TXT value; values for the same name share a record set."""
    by_name = {}
    for rec in records:
        by_name.setdefault(rec["record"], []).append(rec["value"])
    r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
        {"Action": action, "ResourceRecordSet": {
            "Name": name, "Type": "TXT", "TTL": 60,
            "ResourceRecords": [{"Value": json.dumps(v)} for v in values]}}
        for name, values in by_name.items()]})


def _issue(tool, stack, aws_resources, directory, keyfile, names, mangle=None):
    """Run `acme_tool order`, publish its TXT records in moto, say go. Returns (proc, chals)."""
    proc = subprocess.Popen([TOOL, "order", directory, str(keyfile), *names], env=tool.env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        # The first JSON document ends with a line that is exactly "}".
        lines = []
        while True:
            line = proc.stdout.readline()
            assert line, "acme_tool ended early: " + "".join(lines) + proc.stderr.read()
            lines.append(line)
            if line.rstrip("\n") == "}":
                break
        first = json.loads("".join(lines))
        assert "challenges" in first, first
        chals = first["challenges"]
        recs = [dict(c, value=mangle(c["value"]) if mangle else c["value"]) for c in chals]
        _publish(stack.aws.direct_client("route53"), aws_resources["zone_id"], recs)
        out, err = proc.communicate("go\n", timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), chals


def _x509_text(pem, tmp_path, *opts):
    f = tmp_path / "leaf.pem"
    f.write_text(pem)
    return subprocess.run(["openssl", "x509", "-in", str(f), "-noout", *opts],
                          capture_output=True, text=True, check=True).stdout


def test_register_needs_explicit_agreement(tool, pebble, tmp_path):
    key = tmp_path / "account.pem"
    terms = pebble.directory()["meta"]["termsOfService"]
    p = tool("register", pebble.directory_url, str(key), "admin@example.test")
    assert p.returncode == 1
    out = _json(p)
    assert terms in out["error"] and "--agree" in out["error"] and out["terms"] == terms
    assert pebble.count("newAccount") == 0  # refused before anything was created
    assert oct(os.stat(key).st_mode & 0o777) == "0o600"

    out = _register(tool, pebble.directory_url, key)
    assert out["created"] is True and "/my-account/" in out["account"]
    again = _register(tool, pebble.directory_url, key)
    assert again["account"] == out["account"] and again["created"] is False
    # directory + HEAD newNonce + newAccount: nothing wasted
    assert out["requests"] == 3 and out["nonce_heads"] == 1


def test_contact_update_and_deactivate(tool, pebble, tmp_path):
    key = tmp_path / "account.pem"
    acct = _register(tool, pebble.directory_url, key)["account"]
    p = tool("contact", pebble.directory_url, str(key), "other@example.test")
    assert p.returncode == 0 and _json(p)["account"] == acct, p.stdout + p.stderr
    bad = tool("contact", pebble.directory_url, str(key), "a@b.test,mailto:c@d.test")
    assert bad.returncode == 1 and "invalid contact" in _json(bad)["error"]
    p = tool("deactivate", pebble.directory_url, str(key))
    assert p.returncode == 0, p.stdout + p.stderr
    p = tool("contact", pebble.directory_url, str(key), "x@example.test")
    assert p.returncode == 1 and PREFIX in _json(p)["error"]


def test_eab_required(tool, pebble_factory, tmp_path):
    hmac = make_eab_key()
    p = pebble_factory(eab_required=True, eab_keys={"kid-7": hmac})
    key = tmp_path / "account.pem"
    no = tool("register", p.directory_url, str(key), "a@example.test", "--agree")
    assert no.returncode == 1 and "External Account Binding" in _json(no)["error"]
    wrong = tool("register", p.directory_url, str(key), "a@example.test", "--agree",
                 "--eab", "kid-7", make_eab_key())
    assert wrong.returncode == 1 and PREFIX in _json(wrong)["error"], wrong.stdout
    out = _register(tool, p.directory_url, key, "--eab", "kid-7", hmac)
    assert out["created"] is True and out["account"]


def _minimum(n):
    """RFC 8555's fewest requests for one issuance by a fresh process with an account:
    directory GET, HEAD newNonce, newAccount lookup (onlyReturnExisting), newOrder,
    n authorization fetches (for the tokens), n challenge answers, one order poll
    (it turns "ready" once every authorization is valid), finalize, certificate."""
    return 7 + 2 * n


@pytest.mark.parametrize("count", [1, 5])
def test_issuance_dns01_end_to_end(tool, stack, pebble, aws_resources, tmp_path, count):
    key = tmp_path / "account.pem"
    _register(tool, pebble.directory_url, key)
    zone = aws_resources["zone"]
    names = [f"www{i}.{zone}" for i in range(count)]
    pebble.reset_stats()
    t0 = time.monotonic()
    p, chals = _issue(tool, stack, aws_resources, pebble.directory_url, key, names)
    elapsed = time.monotonic() - t0
    assert p.returncode == 0, p.stdout + p.stderr
    assert sorted(c["record"] for c in chals) == sorted(f"_acme-challenge.{n}" for n in names)
    out = _json(p)
    sans = _x509_text(out["certificate"], tmp_path, "-ext", "subjectAltName")
    for n in names:
        assert f"DNS:{n}" in sans
    assert f"CN = {names[0]}" in _x509_text(out["certificate"], tmp_path, "-subject")
    seen = pebble.count()
    by_action = pebble.stats().get("by_action")
    print(f"\nACME requests for {count} name(s): pebble's proxy saw {seen} "
          f"(the tool counted {out['requests']}), RFC minimum {_minimum(count)}; "
          f"HEAD newNonce {out['nonce_heads']}, badNonce retries {out['bad_nonces']}; "
          f"by action {by_action}; wall time {elapsed:.2f} s")
    assert seen == out["requests"]
    assert out["nonce_heads"] == 1  # every later nonce came from a response
    assert pebble.count("newOrder") == 1 and pebble.count("finalize") == 1
    assert _minimum(count) <= seen <= _minimum(count) + 3  # only a few extra polls


def test_nonce_rejection_storm_still_issues(tool, stack, pebble_factory, aws_resources,
                                            tmp_path):
    p = pebble_factory(nonce_reject=50)
    key = tmp_path / "account.pem"
    _register(tool, p.directory_url, key)
    proc, _ = _issue(tool, stack, aws_resources, p.directory_url, key,
                     [f"storm.{aws_resources['zone']}"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = _json(proc)
    assert out["bad_nonces"] > 0 and "BEGIN CERTIFICATE" in out["certificate"]


def test_wrong_txt_value_fails_with_pebbles_problem(tool, stack, pebble, aws_resources,
                                                    tmp_path):
    key = tmp_path / "account.pem"
    _register(tool, pebble.directory_url, key)
    name = f"wrong.{aws_resources['zone']}"
    p, _ = _issue(tool, stack, aws_resources, pebble.directory_url, key, [name],
                  mangle=lambda v: "x" + v[1:])
    assert p.returncode == 1
    err = _json(p)["error"]
    assert name in err and "invalid" in err
    assert PREFIX + "unauthorized" in err or PREFIX + "incorrectResponse" in err, err
    assert pebble.count("finalize") == 0


def test_revoke_then_pebble_reports_revoked(tool, stack, pebble, aws_resources, tmp_path):
    key = tmp_path / "account.pem"
    _register(tool, pebble.directory_url, key)
    p, _ = _issue(tool, stack, aws_resources, pebble.directory_url, key,
                  [f"rev.{aws_resources['zone']}"])
    assert p.returncode == 0, p.stdout + p.stderr
    cert = tmp_path / "cert.pem"
    cert.write_text(_json(p)["certificate"])
    serial = _x509_text(cert.read_text(), tmp_path, "-serial").strip().split("=")[1]
    assert pebble.cert_status(serial)["Status"] == "Valid"
    r = tool("revoke", pebble.directory_url, str(key), str(cert), "superseded")
    assert r.returncode == 0, r.stdout + r.stderr
    st = pebble.cert_status(serial)
    assert st["Status"] == "Revoked" and st["Reason"] == 4
    again = tool("revoke", pebble.directory_url, str(key), str(cert), "superseded")
    assert again.returncode == 1 and PREFIX + "alreadyRevoked" in _json(again)["error"]


def test_revoke_with_the_certificate_key(tool, stack, pebble, aws_resources, tmp_path):
    key = tmp_path / "account.pem"
    _register(tool, pebble.directory_url, key)
    p, _ = _issue(tool, stack, aws_resources, pebble.directory_url, key,
                  [f"rev2.{aws_resources['zone']}"])
    assert p.returncode == 0, p.stdout + p.stderr
    out = _json(p)
    cert, ckey = tmp_path / "cert.pem", tmp_path / "cert-key.pem"
    cert.write_text(out["certificate"])
    ckey.write_text(out["key"])
    other = tmp_path / "someone-else.pem"  # not an account: the cert key alone must do
    r = tool("revoke", pebble.directory_url, str(other), str(cert), "keyCompromise",
             "--cert-key", str(ckey))
    assert r.returncode == 0, r.stdout + r.stderr
    serial = _x509_text(out["certificate"], tmp_path, "-serial").strip().split("=")[1]
    assert pebble.cert_status(serial)["Reason"] == 1


def test_key_rollover_then_new_order(tool, stack, pebble, aws_resources, tmp_path):
    old, new = tmp_path / "old.pem", tmp_path / "new.pem"
    acct = _register(tool, pebble.directory_url, old)["account"]
    r = tool("keychange", pebble.directory_url, str(old), str(new))
    assert r.returncode == 0, r.stdout + r.stderr
    assert _json(r)["account"] == acct
    # The old key no longer names an account; the new one names the same account.
    gone = tool("contact", pebble.directory_url, str(old), "x@example.test")
    assert gone.returncode == 1
    p, _ = _issue(tool, stack, aws_resources, pebble.directory_url, new,
                  [f"roll.{aws_resources['zone']}"])
    assert p.returncode == 0, p.stdout + p.stderr
    assert "BEGIN CERTIFICATE" in _json(p)["certificate"]


def _root_cn(pem):
    from cryptography import x509
    from cryptography.x509.oid import NameOID
    cert = x509.load_pem_x509_certificate(pem.encode())
    return cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value


def _top_issuer_cn(chain_pem):
    from cryptography import x509
    from cryptography.x509.oid import NameOID
    top = "-----BEGIN CERTIFICATE-----" + chain_pem.split("-----BEGIN CERTIFICATE-----")[-1]
    return x509.load_pem_x509_certificate(top.encode()).issuer.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value


def test_alternate_chains_and_preferred_chain(tool, stack, pebble_factory, aws_resources,
                                              tmp_path):
    p = pebble_factory(alternate_roots=2)
    key = tmp_path / "account.pem"
    _register(tool, p.directory_url, key)
    roots = [_root_cn(r) for r in p.roots()]
    assert len(set(roots)) == 3
    zone = aws_resources["zone"]
    proc, _ = _issue(tool, stack, aws_resources, p.directory_url, key, [f"alt.{zone}"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = _json(proc)
    assert len(out["alternates"]) == 2 and out["chain"] == 0
    default_root = _top_issuer_cn(out["certificate"])
    wanted = next(r for r in roots if r != default_root)
    proc, _ = _issue(tool, stack, aws_resources, p.directory_url, key,
                     ["--preferred-chain", wanted, f"alt2.{zone}"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = _json(proc)
    assert out["chain"] >= 1 and _top_issuer_cn(out["certificate"]) == wanted
    # An issuer no chain has: the default chain is kept.
    proc, _ = _issue(tool, stack, aws_resources, p.directory_url, key,
                     ["--preferred-chain", "No Such Root", f"alt3.{zone}"])
    assert proc.returncode == 0 and _json(proc)["chain"] == 0


def test_rate_limit_is_explained(tool, pebble, tmp_path):
    key = tmp_path / "account.pem"
    _register(tool, pebble.directory_url, key)
    pebble.proxy.faults.add(fault="throttle", action="newOrder", retry_after=120, count=1)
    p = tool("order", pebble.directory_url, str(key), "rl.example.test", input="go\n")
    assert p.returncode == 1
    err = _json(p)["error"]
    assert PREFIX + "rateLimited" in err and "retry after 120 s" in err, err
    assert pebble.count("newOrder") == 1  # a rate limit is not retried blindly


def test_bad_nonce_retry_is_bounded(tool, pebble, tmp_path):
    key = tmp_path / "account.pem"
    _register(tool, pebble.directory_url, key)
    pebble.reset_stats()
    pebble.proxy.faults.add(fault="badnonce", action="newOrder", count=None)
    p = tool("order", pebble.directory_url, str(key), "bn.example.test", input="go\n")
    assert p.returncode == 1 and PREFIX + "badNonce" in _json(p)["error"]
    assert pebble.count("newOrder") == 16  # the first try and ACME_BADNONCE_RETRIES (15)
    assert pebble.count("newNonce") == 1  # each badNonce answer carried the next nonce


def test_wildcard_and_apex_share_one_record_name(tool, stack, pebble, aws_resources, tmp_path):
    key = tmp_path / "account.pem"
    _register(tool, pebble.directory_url, key)
    zone = aws_resources["zone"]
    p, chals = _issue(tool, stack, aws_resources, pebble.directory_url, key,
                      [zone, f"*.{zone}"])
    assert p.returncode == 0, p.stdout + p.stderr
    assert sorted(c["name"] for c in chals) == sorted([zone, f"*.{zone}"])
    assert {c["record"] for c in chals} == {f"_acme-challenge.{zone}"}
    assert len({c["value"] for c in chals}) == 2
    sans = _x509_text(_json(p)["certificate"], tmp_path, "-ext", "subjectAltName")
    assert f"DNS:{zone}" in sans and f"DNS:*.{zone}" in sans


def test_valid_authorizations_are_reused_without_a_challenge(tool, stack, pebble_factory,
                                                             aws_resources, tmp_path):
    p = pebble_factory(authz_reuse=100)
    key = tmp_path / "account.pem"
    _register(tool, p.directory_url, key)
    name = f"reuse.{aws_resources['zone']}"
    first, chals = _issue(tool, stack, aws_resources, p.directory_url, key, [name])
    assert first.returncode == 0 and chals[0]["status"] == "pending", first.stdout
    p.reset_stats()
    second, chals = _issue(tool, stack, aws_resources, p.directory_url, key, [name])
    assert second.returncode == 0, second.stdout + second.stderr
    assert chals[0]["status"] == "valid"
    assert p.count("challenge") == 0  # nothing to answer for a valid authorization


@pytest.mark.parametrize("genkey", [
    ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
], ids=["rsa2048", "ec384"])
def test_account_keys_of_other_types(tool, stack, pebble, aws_resources, tmp_path, genkey):
    """Account keys made by the openssl CLI: pebble checks RS256 and ES384 signatures."""
    key = tmp_path / "account.pem"
    key.write_bytes(subprocess.run(genkey, capture_output=True, check=True).stdout)
    _register(tool, pebble.directory_url, key)
    p, _ = _issue(tool, stack, aws_resources, pebble.directory_url, key,
                  [f"kt.{aws_resources['zone']}"])
    assert p.returncode == 0, p.stdout + p.stderr


def test_profile_unknown_to_the_ca_is_refused_before_ordering(tool, pebble, tmp_path):
    key = tmp_path / "account.pem"
    _register(tool, pebble.directory_url, key)
    assert "profiles" not in pebble.directory().get("meta", {})  # pebble 2.4 has none
    p = tool("order", pebble.directory_url, str(key), "--profile", "shortlived",
             "prof.example.test", input="go\n")
    assert p.returncode == 1 and "no certificate profiles" in _json(p)["error"]
    assert pebble.count("newOrder") == 0


def test_bad_names_are_refused_before_ordering(tool, pebble, tmp_path):
    key = tmp_path / "account.pem"
    _register(tool, pebble.directory_url, key)
    for names in (["a.example.test", "A.example.test"], ["www.*.example.test"],
                  ["bad_name.example.test"]):
        p = tool("order", pebble.directory_url, str(key), *names, input="go\n")
        assert p.returncode == 1, p.stdout
        assert _json(p)["error"]
    assert pebble.count("newOrder") == 0


class _AriShim:
    """pebble 2.4 has no ARI and no profiles: this plain-HTTP shim serves pebble's
    directory plus renewalInfo and meta.profiles, and the renewal windows; every
    other URL in the directory still points at pebble (through its counting proxy)."""

    WINDOW = {"start": "2030-01-02T04:00:00Z", "end": "2030-01-03T04:00:00Z"}

    def __init__(self, pebble):
        import http.server
        import threading

        shim = self
        self.asked = []
        self.directory = dict(pebble.directory())

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                if self.path == "/dir":
                    body, extra = shim.directory, {}
                elif self.path.startswith("/ari/"):
                    shim.asked.append(self.path[len("/ari/"):])
                    body = {"suggestedWindow": shim.WINDOW,
                            "explanationURL": "https://ca.example/why"}
                    extra = {"Retry-After": "21600"}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in extra.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.directory["renewalInfo"] = self.url + "/ari/"
        self.directory.setdefault("meta", {})["profiles"] = {"classic": "the usual"}
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def ari_shim(pebble):
    s = _AriShim(pebble)
    yield s
    s.close()


def _ari_cert_id(pem):
    from cryptography import x509
    cert = x509.load_pem_x509_certificate(pem.encode())
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    n = cert.serial_number
    serial = n.to_bytes((n.bit_length() + 8) // 8, "big")  # DER: a leading 0 if high bit set
    b64u = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()  # noqa: E731
    return b64u(aki.key_identifier) + "." + b64u(serial)


def test_ari_window_profiles_and_replaces_fallback(tool, stack, pebble, ari_shim,
                                                   aws_resources, tmp_path):
    key = tmp_path / "account.pem"
    _register(tool, pebble.directory_url, key)
    zone = aws_resources["zone"]
    p, _ = _issue(tool, stack, aws_resources, pebble.directory_url, key, [f"ari.{zone}"])
    assert p.returncode == 0, p.stdout + p.stderr
    cert = tmp_path / "cert.pem"
    cert.write_text(_json(p)["certificate"])
    shim_dir = ari_shim.url + "/dir"

    # renewalInfo: the certID computed independently, the window and Retry-After read back.
    r = tool("ari", shim_dir, str(key), str(cert))
    assert r.returncode == 0, r.stdout + r.stderr
    out = _json(r)
    assert ari_shim.asked == [_ari_cert_id(cert.read_text())]
    assert out["start"] == 1893556800 and out["end"] == 1893556800 + 86400
    assert out["retry_after"] == 21600 and out["explanation"] == "https://ca.example/why"
    assert tool("ari", pebble.directory_url, str(key), str(cert)).returncode == 3  # no ARI

    # The shim's directory (http, its own port) sends aaa on to pebble's origin: only
    # with that origin allowed explicitly (else every request would be refused).
    tool.env["AAA_ACME_ALLOW_ORIGINS"] = pebble.url
    # A profile the directory does not list is refused, naming the ones it does.
    r = tool("order", shim_dir, str(key), "--profile", "tlsserver", f"p.{zone}", input="go\n")
    assert r.returncode == 1 and "classic" in _json(r)["error"]

    # The CA refuses "replaces" once: the renewal is ordered again without it.
    pebble.reset_stats()
    pebble.proxy.faults.add(fault="error", action="newOrder", status=409,
                            code="alreadyReplaced", count=1)
    r, _ = _issue(tool, stack, aws_resources, shim_dir, key,
                  ["--replaces", _ari_cert_id(cert.read_text()), f"ari.{zone}"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert pebble.count("newOrder") == 2
    assert "ordering without it" in r.stderr
