"""Recognise which AWS service and operation a raw HTTP request is, and render
AWS-style error bodies in that service's protocol.

The proxy uses this to count requests per service/action, to match fault rules
and to answer refusals the way the real service would shape them. Operation
names come from botocore's own service models (Debian's python3-botocore), so
REST services (S3, Route53, Lambda, CloudFront) are recognised from method,
path and query exactly as their API definitions say, not from a hand-kept list.
"""

import json
import re
import threading
import uuid
from urllib.parse import parse_qsl, unquote, urlsplit
from xml.sax.saxutils import escape

import botocore.session

# Credential-scope signing names whose botocore model name differs or is
# ambiguous. elasticloadbalancing is resolved by the API Version parameter.
_SIGNING_TO_MODEL = {
    "elasticloadbalancing": "elbv2",
    "monitoring": "cloudwatch",
    "events": "events",
    "execute-api": "apigateway",
}

# X-Amz-Target prefixes of JSON-protocol services we may see.
_TARGET_PREFIX_TO_MODEL = {
    "TrentService": "kms",
    "CertificateManager": "acm",
    "AWSEvents": "events",
    "AmazonEventBridge": "events",
    "AWSSecurityTokenServiceV20110615": "sts",
    "secretsmanager": "secretsmanager",
    "AmazonSSM": "ssm",
    "DynamoDB_20120810": "dynamodb",
    "Logs_20140328": "logs",
    "AmazonEventBridgeScheduler": "scheduler",
}

# Fixed path prefixes of REST services when no signature names the service.
_PATH_PREFIX_TO_MODEL = [
    ("/2013-04-01/", "route53"),
    ("/2015-03-31/functions", "lambda"),
    ("/2014-11-13/functions", "lambda"),
    ("/2019-09-25/functions", "lambda"),
    ("/2020-05-31/", "cloudfront"),
]

_session_lock = threading.Lock()
_session = None
_models = {}
_rest_tables = {}

AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<cred>[^,\s]+)\s*,\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+)\s*,\s*Signature=(?P<sig>[0-9a-fA-F]+)\s*$"
)


def _botocore_session():
    global _session
    with _session_lock:
        if _session is None:
            _session = botocore.session.get_session()
        return _session


def service_model(name):
    """botocore's ServiceModel for `name`, cached; None when botocore has no such model."""
    with _session_lock:
        if name in _models:
            return _models[name]
    try:
        model = _botocore_session().get_service_model(name)
    except Exception:  # noqa: BLE001 - unknown service name
        model = None
    with _session_lock:
        _models[name] = model
    return model


def parse_authorization(value):
    """Split a SigV4 Authorization header into its parts, or None if it is not SigV4.

    Returns dict(access_key, date, region, service, terminator, signed_headers (list), signature).
    """
    m = AUTH_RE.match(value.strip()) if value else None
    if not m:
        return None
    parts = m.group("cred").split("/")
    if len(parts) != 5:
        return None
    return {
        "access_key": parts[0],
        "date": parts[1],
        "region": parts[2],
        "service": parts[3],
        "terminator": parts[4],
        "signed_headers": m.group("signed").split(";"),
        "signature": m.group("sig").lower(),
    }


def _header(headers, name):
    """Case-insensitive lookup in a list of (name, value) pairs or a mapping."""
    if hasattr(headers, "get"):
        return headers.get(name)
    lname = name.lower()
    for k, v in headers:
        if k.lower() == lname:
            return v
    return None


def _query_pairs(path):
    return parse_qsl(urlsplit(path).query, keep_blank_values=True)


def _form_params(headers, body):
    ctype = (_header(headers, "Content-Type") or "").lower()
    if body and "application/x-www-form-urlencoded" in ctype:
        try:
            return parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            return []
    return []


def _signing_service(headers, path):
    """The service name from the Authorization header or a presigned URL's credential."""
    auth = parse_authorization(_header(headers, "Authorization") or "")
    if auth:
        return auth["service"], auth["region"]
    for k, v in _query_pairs(path):
        if k == "X-Amz-Credential":
            parts = v.split("/")
            if len(parts) == 5:
                return parts[3], parts[2]
    return None, None


def _compile_rest_table(model):
    """Turn a REST model's operations into rows of
    (method, path segments, required query keys, required headers, name).

    Required query keys come from the requestUri (`?list-type=2`, `?uploads`) and
    from required input members bound to the query string (UploadPart's
    partNumber/uploadId); required headers from required members bound to a
    header (CopyObject's x-amz-copy-source). They tell apart operations that
    share a method and path.
    """
    rows = []
    for op_name in model.operation_names:
        op = model.operation_model(op_name)
        http = op.http or {}
        uri = http.get("requestUri", "/")
        path_t, _, query_t = uri.partition("?")
        segs = [s for s in path_t.split("/") if s != ""]
        reqs = []
        for item in query_t.split("&") if query_t else []:
            k, eq, v = item.partition("=")
            if k == "x-id":  # newer models add ?x-id=Op; clients need not send it
                continue
            reqs.append((k, v if eq else None))
        hdrs = []
        shape = op.input_shape
        if shape is not None:
            required = set(shape.required_members)
            for mname, member in shape.members.items():
                if mname not in required:
                    continue
                loc = member.serialization.get("location")
                lname = member.serialization.get("name", mname)
                if loc == "querystring":
                    reqs.append((lname, None))
                elif loc == "header":
                    hdrs.append(lname)
        rows.append((http.get("method", "POST").upper(), segs, reqs, hdrs, op_name))
    return rows


def _match_segments(tmpl, got):
    """Match path segments against a template; returns the number of literal segments or -1."""
    literal = 0
    for i, t in enumerate(tmpl):
        if t.startswith("{") and t.endswith("+}"):
            return literal if len(got) > i else -1
        if i >= len(got):
            return -1
        if t.startswith("{") and t.endswith("}"):
            continue
        if t != got[i]:
            return -1
        literal += 1
    return literal if len(got) == len(tmpl) else -1


def _rest_operation(model_name, model, method, path, headers):
    with _session_lock:
        table = _rest_tables.get(model_name)
    if table is None:
        table = _compile_rest_table(model)
        with _session_lock:
            _rest_tables[model_name] = table
    split = urlsplit(path)
    got = [unquote(s) for s in split.path.split("/") if s != ""]
    query = dict(parse_qsl(split.query, keep_blank_values=True))
    best, best_score = None, -1
    for m, segs, reqs, hdrs, name in table:
        if m != method:
            continue
        lit = _match_segments(segs, got)
        if lit < 0:
            continue
        if any(k not in query or (v is not None and query[k] != v) for k, v in reqs):
            continue
        if any(_header(headers, h) is None for h in hdrs):
            continue
        score = len(reqs) * 100 + len(hdrs) * 50 + lit * 10 + len(segs)
        if score > best_score:
            best, best_score = name, score
    return best


def classify(method, path, headers, body=b""):
    """Recognise an AWS request.

    Returns dict(service, model, protocol, action, region); unknown parts are None.
    `service` is the SigV4 signing name when the request has one (what moto and AWS
    route on), else a best guess from the request's shape.
    """
    method = method.upper()
    service, region = _signing_service(headers, path)
    target = _header(headers, "X-Amz-Target")
    model_name = None
    if service:
        model_name = _SIGNING_TO_MODEL.get(service, service)
    elif target:
        model_name = _TARGET_PREFIX_TO_MODEL.get(target.split(".", 1)[0])
    if model_name is None:
        p = urlsplit(path).path
        for prefix, name in _PATH_PREFIX_TO_MODEL:
            if p.startswith(prefix):
                model_name = name
                break
    params = dict(_query_pairs(path))
    params.update(dict(_form_params(headers, body)))
    if model_name is None:
        model_name = "sts" if "Action" in params else "s3"
    if model_name == "elbv2" and params.get("Version") == "2012-06-01":
        model_name = "elb"
    service = service or service_model_signing_name(model_name)
    model = service_model(model_name)
    protocol = model.metadata.get("protocol") if model else None
    action = None
    if target and "." in target:
        action = target.split(".", 1)[1]
    elif "Action" in params and protocol in ("query", "ec2", None):
        action = params["Action"]
    elif model is not None and protocol in ("rest-xml", "rest-json"):
        action = _rest_operation(model_name, model, method, path, headers)
    return {
        "service": service,
        "model": model_name,
        "protocol": protocol,
        "action": action,
        "region": region,
    }


def service_model_signing_name(model_name):
    model = service_model(model_name)
    if model is None:
        return model_name
    return model.metadata.get("signingName") or model.metadata.get("endpointPrefix") or model_name


def new_request_id():
    return str(uuid.uuid4())


def error_response(info, status, code, message, request_id=None, extra=None):
    """An AWS-shaped error for the request described by `info` (from classify()).

    Returns (status, headers list, body bytes). S3 gets its bare <Error>
    document, other XML services the <ErrorResponse> envelope, JSON services
    {"__type", "message"} and REST-JSON ones the x-amzn-ErrorType header.
    `extra` adds fields next to Code/Message (S3 puts CanonicalRequest,
    StringToSign, ServerTime there; we do so for every protocol).
    """
    extra = extra or {}
    xml_extra = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in extra.items())
    rid = request_id or new_request_id()
    protocol = (info or {}).get("protocol")
    model_name = (info or {}).get("model")
    headers = [("x-amzn-RequestId", rid)]
    if protocol == "json" or protocol == "rest-json":
        model = service_model(model_name) if model_name else None
        ver = (model.metadata.get("jsonVersion") if model else None) or "1.1"
        ctype = f"application/x-amz-json-{ver}" if protocol == "json" else "application/json"
        body = json.dumps({"__type": code, "message": message, **extra}).encode()
        headers += [("Content-Type", ctype), ("x-amzn-ErrorType", code)]
        return status, headers, body
    if model_name == "s3" or protocol is None:
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
            f"{xml_extra}<RequestId>{rid}</RequestId><HostId>aaa-test-stack</HostId></Error>"
        ).encode()
        headers = [("x-amz-request-id", rid), ("Content-Type", "application/xml")]
        return status, headers, body
    model = service_model(model_name) if model_name else None
    ns = (model.metadata.get("xmlNamespace") if model else None) or ""
    if isinstance(ns, dict):
        ns = ns.get("uri", "")
    if not ns and model_name == "route53":
        ns = "https://route53.amazonaws.com/doc/2013-04-01/"
    xmlns = f' xmlns="{escape(ns)}"' if ns else ""
    kind = "Receiver" if status >= 500 else "Sender"
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<ErrorResponse{xmlns}><Error><Type>{kind}</Type><Code>{escape(code)}</Code>"
        f"<Message>{escape(message)}</Message>{xml_extra}</Error><RequestId>{rid}</RequestId></ErrorResponse>"
    ).encode()
    headers += [("Content-Type", "text/xml")]
    return status, headers, body
