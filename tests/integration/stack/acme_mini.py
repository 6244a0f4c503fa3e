"""A deliberately tiny ACME client in Python, only to prove the stack's wiring.

It registers an account, orders one name, lets the caller publish the DNS-01
TXT value in moto's Route53 and asks pebble to validate, so a test can show
that pebble's VA really reads our DNS server, which really reads moto; then it
can finalize, download and revoke, to exercise pebble's management helpers.
No retries beyond badNonce, no error handling worth the name: the C client is
the product. ES256 only; uses Debian's python3-cryptography.
"""

import base64
import hashlib
import json
import ssl
import time
import urllib.error
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64u(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class MiniAcme:
    def __init__(self, directory_url, ca_bundle):
        self.ctx = ssl.create_default_context(cafile=ca_bundle)
        self.dir = self._request(directory_url)[1]
        self.key = ec.generate_private_key(ec.SECP256R1())
        nums = self.key.public_key().public_numbers()
        self.jwk = {"crv": "P-256", "kty": "EC",
                    "x": b64u(nums.x.to_bytes(32, "big")), "y": b64u(nums.y.to_bytes(32, "big"))}
        self.thumbprint = b64u(hashlib.sha256(
            json.dumps(self.jwk, sort_keys=True, separators=(",", ":")).encode()).digest())
        self.kid = None
        self.nonce = None

    def _request(self, url, data=None, method=None):
        req = urllib.request.Request(url, data=data, method=method, headers={
            "Content-Type": "application/jose+json", "User-Agent": "aaa-stack-mini-acme"})
        try:
            with urllib.request.urlopen(req, timeout=15, context=self.ctx) as r:
                body, headers, status = r.read(), r.headers, r.status
        except urllib.error.HTTPError as e:
            body, headers, status = e.read(), e.headers, e.code
        if headers.get("Replay-Nonce"):
            self.nonce = headers["Replay-Nonce"]
        parsed = json.loads(body) if body and body[:1] in (b"{", b"[") else body
        return status, parsed, headers

    def post(self, url, payload):
        """JWS-signed POST (payload None = POST-as-GET), retrying badNonce a few times."""
        for _ in range(5):
            if self.nonce is None:
                self._request(self.dir["newNonce"], method="HEAD")
            protected = {"alg": "ES256", "nonce": self.nonce, "url": url}
            if self.kid:
                protected["kid"] = self.kid
            else:
                protected["jwk"] = self.jwk
            self.nonce = None
            p64 = b64u(json.dumps(protected))
            pl64 = "" if payload is None else b64u(json.dumps(payload))
            der = self.key.sign(f"{p64}.{pl64}".encode(), ec.ECDSA(hashes.SHA256()))
            r, s = decode_dss_signature(der)
            sig = b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
            body = json.dumps({"protected": p64, "payload": pl64, "signature": sig}).encode()
            status, obj, headers = self._request(url, data=body, method="POST")
            if status == 400 and isinstance(obj, dict) and obj.get("type", "").endswith(
                    ":badNonce"):
                continue
            return status, obj, headers
        raise RuntimeError("too many badNonce answers")

    def register(self):
        status, obj, headers = self.post(self.dir["newAccount"], {"termsOfServiceAgreed": True})
        if status not in (200, 201):
            raise RuntimeError(f"newAccount: {status} {obj}")
        self.kid = headers["Location"]
        return obj

    def dns01_challenge(self, name):
        """New order for `name`; returns (order, authz url, challenge dict, TXT value)."""
        status, order, _ = self.post(self.dir["newOrder"],
                                     {"identifiers": [{"type": "dns", "value": name}]})
        if status != 201:
            raise RuntimeError(f"newOrder: {status} {order}")
        authz_url = order["authorizations"][0]
        _, authz, _ = self.post(authz_url, None)
        chall = next(c for c in authz["challenges"] if c["type"] == "dns-01")
        key_auth = f"{chall['token']}.{self.thumbprint}"
        txt = b64u(hashlib.sha256(key_auth.encode()).digest())
        return order, authz_url, chall, txt

    def validate(self, authz_url, chall, timeout=20):
        """Answer the challenge and poll the authorization; returns its final dict."""
        self.post(chall["url"], {})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            _, authz, _ = self.post(authz_url, None)
            if authz["status"] in ("valid", "invalid"):
                return authz
            time.sleep(0.2)
        raise TimeoutError("authorization still pending")

    def finalize(self, order, names, timeout=20):
        """Finalize a ready order with a fresh P-256 key; returns (cert PEM chain, key)."""
        key = ec.generate_private_key(ec.SECP256R1())
        csr = (x509.CertificateSigningRequestBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
               .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]),
                              critical=False)
               .sign(key, hashes.SHA256()))
        der = csr.public_bytes(serialization.Encoding.DER)
        status, obj, headers = self.post(order["finalize"], {"csr": b64u(der)})
        if status != 200:
            raise RuntimeError(f"finalize: {status} {obj}")
        order_url = headers["Location"]
        deadline = time.monotonic() + timeout
        while obj["status"] != "valid":
            if obj["status"] == "invalid" or time.monotonic() > deadline:
                raise RuntimeError(f"order: {obj}")
            time.sleep(0.2)
            _, obj, _ = self.post(order_url, None)
        _, pem, _ = self.post(obj["certificate"], None)
        return pem.decode(), key

    def revoke(self, cert_pem, reason=0):
        """Revoke with the account key; returns the HTTP status (200 on success)."""
        cert = x509.load_pem_x509_certificate(cert_pem.encode())
        der = cert.public_bytes(serialization.Encoding.DER)
        status, _, _ = self.post(self.dir["revokeCert"], {"certificate": b64u(der),
                                                          "reason": reason})
        return status
