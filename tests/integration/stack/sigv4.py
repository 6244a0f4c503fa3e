"""Independent SigV4 judge: recompute a received request's signature with botocore.

The C client signs requests with its own code; this module re-derives the
signature from the request *as it arrived on the wire* using botocore's signer
(Debian's python3-botocore), so a bug in our canonicalisation cannot hide by
being checked against itself. Only the exact headers the client listed in
SignedHeaders take part, the date comes from the request, and the secret comes
from a table the test supplies.

Also checks what AWS checks around the signature and that a careless client gets
wrong: clock skew (RequestTimeTooSkewed, 15 minutes), the credential scope
date, `host` signed, every x-amz-* header signed for S3, the S3 payload hash
matching the body, expiry of presigned URLs.
"""

import calendar
import hashlib
import hmac
import re
import threading
import time
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, urlsplit

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

from .awsproto import parse_authorization

DEFAULT_SECRETS = {"AKIDTEST": "test-secret"}
SIGV4_TIMESTAMP = "%Y%m%dT%H%M%SZ"
_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
# Header values that are secrets themselves are not echoed in error messages.
_REDACT = ("x-amz-security-token",)


class Verdict:
    """Outcome of a check: ok, or an HTTP status with an AWS error code and message."""

    def __init__(self, ok, status=200, code=None, message="", access_key=None,
                 service=None, region=None, canonical_request=None, string_to_sign=None,
                 extra=None):
        self.ok = ok
        self.status = status
        self.code = code
        self.message = message
        self.access_key = access_key
        self.service = service
        self.region = region
        self.canonical_request = canonical_request
        self.string_to_sign = string_to_sign
        self.extra = extra or {}

    def as_dict(self):
        return {k: v for k, v in vars(self).items() if v not in (None, {}, "")}

    def __repr__(self):
        return f"Verdict(ok={self.ok}, code={self.code!r}, message={self.message!r})"


# STS operations AWS accepts unsigned (botocore's UNSIGNED for them).
UNSIGNED_STS_ACTIONS = {"AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"}


def _unsigned_sts_action(method, headers, body):
    if method.upper() != "POST" or "x-www-form-urlencoded" not in (
            headers.get("Content-Type") or ""):
        return False
    raw = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
    return dict(parse_qsl(raw)).get("Action") in UNSIGNED_STS_ACTIONS


def _refuse(status, code, message, **kw):
    return Verdict(False, status, code, message, **kw)


def _make_signer(base, creds, service, region, signed_names):
    """A botocore signer of class `base` whose signed headers are exactly the client's list.

    botocore normally picks the headers itself (all but a small deny-list); a
    verifier must use the client's SignedHeaders instead, in the received values.
    """

    class _Exact(base):
        def headers_to_sign(self, request):
            out = HTTPHeaders()
            for name in signed_names:
                values = request.headers.get_all(name) or [""]
                for v in values:
                    out[name] = v
            return out

    return _Exact(creds, service, region)


def _timestamp_from_headers(headers):
    amz = headers.get("X-Amz-Date")
    if amz:
        return amz.strip()
    date = headers.get("Date")
    if date:
        try:
            return parsedate_to_datetime(date).strftime(SIGV4_TIMESTAMP)
        except (TypeError, ValueError):
            return None
    return None


def _parse_ts(ts):
    try:
        return calendar.timegm(time.strptime(ts, SIGV4_TIMESTAMP))
    except (TypeError, ValueError):
        return None


def _redacted(canonical, signed_names):
    lines = canonical.split("\n")
    for i, line in enumerate(lines):
        name, sep, _ = line.partition(":")
        if sep and name in _REDACT and name in signed_names:
            lines[i] = f"{name}:<redacted>"
    return "\n".join(lines)


class SigV4Verifier:
    """Checks SigV4 header and query (presigned) authentication against a secrets table.

    secrets: {access_key_id: secret_access_key}; thread-safe to update at runtime
    with add_credentials(). max_skew: allowed clock difference in seconds (None
    disables the check). clock_offset: seconds added to this machine's clock, to
    play a server whose clock differs from the client's.
    """

    def __init__(self, secrets=None, max_skew=900, clock_offset=0.0):
        self._lock = threading.Lock()
        self._secrets = dict(DEFAULT_SECRETS if secrets is None else secrets)
        self.max_skew = max_skew
        self.clock_offset = clock_offset

    def add_credentials(self, access_key, secret_key):
        with self._lock:
            self._secrets[access_key] = secret_key

    def remove_credentials(self, access_key):
        with self._lock:
            self._secrets.pop(access_key, None)

    def secret_for(self, access_key):
        with self._lock:
            return self._secrets.get(access_key)

    def now(self):
        return time.time() + self.clock_offset

    def verify(self, method, path, headers, body=b""):
        """Judge one request. `headers` is an email.message.Message (http.server's
        self.headers) or anything with get() and get_all(); `path` is the raw
        request target (path and query, percent-encoding as received).
        """
        query = urlsplit(path).query
        qpairs = parse_qsl(query, keep_blank_values=True)
        qnames = {k for k, _ in qpairs}
        auth_header = headers.get("Authorization")
        if auth_header:
            return self._verify_header_auth(method, path, headers, body, auth_header, qpairs)
        if "X-Amz-Signature" in qnames or "X-Amz-Credential" in qnames:
            return self._verify_query_auth(method, path, headers, body, qpairs)
        if _unsigned_sts_action(method, headers, body):
            # STS takes these without a signature: the token is the credential.
            return Verdict(True, 200, service="sts")
        return _refuse(403, "MissingAuthenticationToken",
                       "Request is missing Authentication Token")

    # -- header auth -------------------------------------------------------

    def _verify_header_auth(self, method, path, headers, body, auth_header, qpairs):
        auth = parse_authorization(auth_header)
        if auth is None:
            return _refuse(400, "IncompleteSignature",
                           "Authorization header is not a valid AWS4-HMAC-SHA256 value")
        ts = _timestamp_from_headers(headers)
        return self._check(method, path, headers, body, qpairs, auth, ts, presigned=False)

    # -- query auth (presigned URLs) ----------------------------------------

    def _verify_query_auth(self, method, path, headers, body, qpairs):
        q = dict(qpairs)
        if q.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256":
            return _refuse(400, "AuthorizationQueryParametersError",
                           "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
        parts = q.get("X-Amz-Credential", "").split("/")
        if len(parts) != 5 or "X-Amz-Signature" not in q or "X-Amz-SignedHeaders" not in q:
            return _refuse(400, "AuthorizationQueryParametersError",
                           "X-Amz-Credential, X-Amz-SignedHeaders and X-Amz-Signature are required")
        auth = {
            "access_key": parts[0], "date": parts[1], "region": parts[2],
            "service": parts[3], "terminator": parts[4],
            "signed_headers": q["X-Amz-SignedHeaders"].split(";"),
            "signature": q["X-Amz-Signature"].lower(),
        }
        ts = q.get("X-Amz-Date")
        start = _parse_ts(ts) if ts else None
        try:
            expires = int(q.get("X-Amz-Expires", "0"))
        except ValueError:
            expires = -1
        if start is None or expires < 1 or expires > 604800:
            return _refuse(400, "AuthorizationQueryParametersError",
                           "X-Amz-Date and X-Amz-Expires (1..604800) are required")
        if self.now() > start + expires:
            return _refuse(403, "AccessDenied", "Request has expired",
                           access_key=auth["access_key"], service=auth["service"])
        params = [(k, v) for k, v in qpairs if k != "X-Amz-Signature"]
        return self._check(method, path, headers, body, params, auth, ts, presigned=True)

    # -- the common part ---------------------------------------------------

    def _check(self, method, path, headers, body, params, auth, ts, presigned):
        ak, svc, region = auth["access_key"], auth["service"], auth["region"]
        ctx = {"access_key": ak, "service": svc, "region": region}
        is_s3 = svc == "s3"
        if auth["terminator"] != "aws4_request":
            return _refuse(400, "IncompleteSignature",
                           "Credential scope must end with aws4_request", **ctx)
        secret = self.secret_for(ak)
        if secret is None:
            code = "InvalidAccessKeyId" if is_s3 else "InvalidClientTokenId"
            return _refuse(403, code,
                           "The AWS Access Key Id you provided does not exist in our records.",
                           **ctx)
        if not ts or _parse_ts(ts) is None:
            return _refuse(400, "IncompleteSignature",
                           "Request must contain a valid X-Amz-Date or Date header", **ctx)
        signed = [h.strip().lower() for h in auth["signed_headers"]]
        if signed != sorted(signed):
            return _refuse(403, "SignatureDoesNotMatch",
                           "SignedHeaders must be sorted and lower-case", **ctx)
        if "host" not in signed:
            return _refuse(403, "SignatureDoesNotMatch",
                           "The host header must be signed", **ctx)
        if is_s3 and not presigned:
            unsigned = sorted({k.lower() for k in headers.keys()
                               if k.lower().startswith("x-amz-") and k.lower() not in signed})
            if unsigned:
                return _refuse(403, "AccessDenied",
                               "There were headers present in the request which were not "
                               "signed: " + ", ".join(unsigned), **ctx)
        if not presigned and self.max_skew is not None:
            skew = abs(_parse_ts(ts) - self.now())
            if skew > self.max_skew:
                server = time.strftime(SIGV4_TIMESTAMP, time.gmtime(self.now()))
                return _refuse(403, "RequestTimeTooSkewed",
                               "The difference between the request time and the current "
                               "time is too large.", extra={"RequestTime": ts,
                                                           "ServerTime": server}, **ctx)
        if auth["date"] != ts[:8]:
            return _refuse(403, "SignatureDoesNotMatch",
                           f"Credential should be scoped to a valid date: {ts[:8]}, "
                           f"not {auth['date']}", **ctx)

        # S3 judges the declared payload hash against the body it received.
        declared = headers.get("X-Amz-Content-SHA256")
        if is_s3 and not presigned:
            if declared is None:
                return _refuse(400, "InvalidRequest",
                               "Missing required header for this request: "
                               "x-amz-content-sha256", **ctx)
            if _HEX64.match(declared) and hashlib.sha256(body).hexdigest() != declared.lower():
                return _refuse(400, "XAmzContentSHA256Mismatch",
                               "The provided 'x-amz-content-sha256' header does not match "
                               "what was computed.", **ctx)

        host = headers.get("Host") or "localhost"
        req = AWSRequest(method=method.upper(), url=f"http://{host}{path}", data=body)
        hh = HTTPHeaders()
        for k, v in headers.items():
            hh[k] = v
        req.headers = hh
        req.params = list(params)
        req.context["timestamp"] = ts
        if presigned:
            base = S3SigV4QueryAuth if is_s3 else SigV4QueryAuth
        else:
            base = S3SigV4Auth if is_s3 else SigV4Auth
        signer = _make_signer(base, Credentials(ak, secret), svc, region, signed)
        canonical = signer.canonical_request(req)
        sts = signer.string_to_sign(req, canonical)
        expected = signer.signature(sts, req)
        debug = {"canonical_request": _redacted(canonical, signed), "string_to_sign": sts}
        if not hmac.compare_digest(expected, auth["signature"]):
            return _refuse(
                403, "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you "
                "provided. Check your key and signing method.", **ctx, **debug)
        return Verdict(True, 200, **ctx, **debug)
