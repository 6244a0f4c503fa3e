"""A hostile ACME CA: pebble behind its proxy, with answers rewritten on the way out.

Pebble does the real protocol (accounts, orders, DNS-01 validation through the
stack's DNS server); `HostileCA` installs itself as the proxy's `mutate` hook and
lies in one chosen way (`trick`), so a test sees what aaa does with each lie:

  other_key      the certificate is re-issued by pebble's intermediate for another key
  extra_name     ... with one more SAN than ordered (evil.<first name>)
  drop_name      ... without the last ordered name
  expired        ... with a validity that ended an hour ago
  broken_chain   ... signed by a key that is not the intermediate's (chain does not link)
  foreign_url    the order's finalize URL points at another origin (https://localhost:PORT)
  http_url       the order's finalize URL is plain http:// on the same host and port
  never_validate authorizations and orders stay "pending" whatever pebble says
  many_authz     newOrder lists its authorization URLs 500 times over
  dup_authz      newOrder lists its first authorization in place of the second
  bad_token      the dns-01 challenge token carries a "." (not base64url)
  control_chars  the terms-of-service URL and newOrder's status carry ESC/OSC/CSI/C1 bytes
  stale_once     the first read of each authorization says it and its challenge are
                 "pending" whatever pebble says (a CA replica that lags one read behind)

`seen` counts answers rewritten. Re-issued certificates keep pebble's issuer name
and AKI, so only the checked property differs from a good one.
"""

import datetime
import json
import re

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtensionOID

TRICKS = ("other_key", "extra_name", "drop_name", "expired", "broken_chain", "foreign_url",
          "http_url", "never_validate", "many_authz", "dup_authz", "bad_token",
          "control_chars", "stale_once")
CERT_TRICKS = ("other_key", "extra_name", "drop_name", "expired", "broken_chain")
CONTROL = "\x1b]0;pwned\x07\x1b[2J\x9b31m\x7fcertificate issued and deployed\r\n"


class CAHook:
    """pebble's answers rewritten for a with block: `mutate(method, path, info, status,
    headers, body) -> (status, headers, body)` is the proxy's hook (a subclass's method,
    or the function given)."""

    def __init__(self, pebble, mutate=None):
        self.pebble = pebble
        if mutate is not None:
            self.mutate = mutate

    def __enter__(self):
        self.pebble.proxy.mutate = self.mutate
        return self

    def __exit__(self, *exc):
        self.pebble.proxy.mutate = None


class HostileCA(CAHook):
    def __init__(self, pebble, trick):
        if trick not in TRICKS:
            raise ValueError(f"unknown trick {trick!r}; one of {TRICKS}")
        super().__init__(pebble)
        self.trick = trick
        self.seen = 0
        self._stale_read = set()
        self._ikey = None
        if trick in CERT_TRICKS:
            self._ikey = serialization.load_pem_private_key(
                pebble.intermediate_key_pem(0).encode(), None)

    # -- the hook -------------------------------------------------------------

    def mutate(self, method, path, info, status, headers, body):
        action = info.get("action")
        if self.trick == "stale_once":
            if action != "authz" or status != 200 or path in self._stale_read:
                return status, headers, body
            self._stale_read.add(path)
        try:
            out = self._rewrite(action, status, headers, body)
        except Exception as exc:  # noqa: BLE001 - a broken trick must show in the test
            print(f"hostile CA: {self.trick} failed on {action}: {exc!r}")
            raise
        if out is not None:
            self.seen += 1
            return out
        return status, headers, body

    def _json(self, body):
        try:
            return json.loads(body)
        except ValueError:
            return None

    def _rewrite(self, action, status, headers, body):
        t = self.trick
        if t in CERT_TRICKS and action == "certificate" and status == 200:
            return status, headers, self._reissue(body.decode()).encode()
        if t in ("foreign_url", "http_url") and action in ("newOrder", "order") and \
                status in (200, 201) and b'"finalize"' in body:
            obj = self._json(body)
            url = obj["finalize"]
            port = re.match(r"https://127\.0\.0\.1:(\d+)/", url).group(1)
            if t == "foreign_url":
                obj["finalize"] = url.replace(f"https://127.0.0.1:{port}",
                                              f"https://localhost:{port}")
            else:
                obj["finalize"] = url.replace("https://", "http://")
            return status, headers, json.dumps(obj).encode()
        if t in ("never_validate", "stale_once") and action in ("authz", "order", "newOrder", "challenge"):
            obj = self._json(body)
            moved = isinstance(obj, dict) and (
                obj.get("status") in ("valid", "ready", "processing") or
                any(c.get("status") not in (None, "pending") for c in obj.get("challenges", [])))
            if moved:
                obj["status"] = "pending"
                for c in obj.get("challenges", []):
                    c["status"] = "pending"
                return status, headers, json.dumps(obj).encode()
        if t in ("many_authz", "dup_authz") and action == "newOrder" and status == 201:
            obj = self._json(body)
            a = obj["authorizations"]
            obj["authorizations"] = a * 500 if t == "many_authz" else a[:1] * 2 + a[2:]
            return status, headers, json.dumps(obj).encode()
        if t == "bad_token" and action == "authz" and status == 200:
            obj = self._json(body)
            for c in obj.get("challenges", []):
                c["token"] = c["token"][:10] + "." + c["token"][10:]
            return status, headers, json.dumps(obj).encode()
        if t == "control_chars":
            obj = self._json(body)
            if action == "directory" and isinstance(obj, dict):
                obj.setdefault("meta", {})["termsOfService"] = "https://ca.example/" + CONTROL
                return status, headers, json.dumps(obj).encode()
            if action == "newOrder" and isinstance(obj, dict):
                return 400, headers, json.dumps({
                    "type": "urn:ietf:params:acme:error:rejectedIdentifier" + CONTROL,
                    "detail": "no " + CONTROL, "status": 400}).encode()
        return None

    # -- certificates -----------------------------------------------------------

    def _reissue(self, chain_pem):
        blocks = re.findall(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\n?",
                            chain_pem, re.S)
        certs = [x509.load_pem_x509_certificate(b.encode()) for b in blocks]
        leaf = certs[0]
        names = leaf.extensions.get_extension_for_oid(
            ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value.get_values_for_type(x509.DNSName)
        pub = leaf.public_key()
        signer = self._ikey
        nb, na = leaf.not_valid_before, leaf.not_valid_after
        if self.trick == "other_key":
            pub = ec.generate_private_key(ec.SECP256R1()).public_key()
        elif self.trick == "extra_name":
            names = names + ["evil." + names[0].lstrip("*.")]
        elif self.trick == "drop_name":
            names = names[:-1] if len(names) > 1 else ["other." + names[0].lstrip("*.")]
        elif self.trick == "expired":
            now = datetime.datetime.utcnow()
            nb, na = now - datetime.timedelta(days=2), now - datetime.timedelta(hours=1)
        elif self.trick == "broken_chain":
            signer = ec.generate_private_key(ec.SECP256R1())
        b = (x509.CertificateBuilder().subject_name(x509.Name([]))
             .issuer_name(leaf.issuer).public_key(pub)
             .serial_number(x509.random_serial_number())
             .not_valid_before(nb).not_valid_after(na)
             .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]),
                            critical=False))
        for ext in leaf.extensions:
            if ext.oid in (ExtensionOID.AUTHORITY_KEY_IDENTIFIER, ExtensionOID.KEY_USAGE,
                           ExtensionOID.EXTENDED_KEY_USAGE, ExtensionOID.BASIC_CONSTRAINTS):
                b = b.add_extension(ext.value, ext.critical)
        new = b.sign(signer, hashes.SHA256())
        return new.public_bytes(serialization.Encoding.PEM).decode() + "".join(
            c.public_bytes(serialization.Encoding.PEM).decode() for c in certs[1:])
