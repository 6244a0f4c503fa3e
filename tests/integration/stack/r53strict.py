"""Route53's change semantics, which moto does not keep: checked in the proxy.

moto applies a ChangeResourceRecordSets batch loosely: a CREATE over an existing
record set adds a second one, and a DELETE is checked against its change journal,
not against what the set holds now. Real Route53 refuses the whole batch with
InvalidChangeBatch when a CREATE finds the set already there, or a DELETE does not
name the set exactly as it is (same TTL, same values). Those refusals are what
make "DELETE exactly what was read + CREATE" a conditional write, so two writers
of one name cannot lose each other's values; the fleet tests rely on them.

The check reads the zone's current sets from moto and simulates the batch in
order; the proxy holds one lock from this check until moto has applied the
batch, so check and change are atomic, as they are in Route53.
"""
import json
import re
import threading
import xml.etree.ElementTree as ET
from urllib.parse import quote

NS = "{https://route53.amazonaws.com/doc/2013-04-01/}"
_PATH = re.compile(r"^/2013-04-01/hostedzone/([^/]+)/rrset/?$")

LOCK = threading.Lock()
_AUTH = ("AWS4-HMAC-SHA256 Credential=r53strict/20240101/us-east-1/route53/aws4_request, "
         "SignedHeaders=host, Signature=0")


def _norm(name):
    return (name or "").rstrip(".").lower()


def _find(elem, tag):
    e = elem.find(NS + tag)
    return e if e is not None else elem.find(tag)


def _findall(elem, tag):
    return elem.findall(NS + tag) or elem.findall(tag)


def _rrset_of(rs):
    name = _norm(_find(rs, "Name").text)
    typ = _find(rs, "Type").text
    ttl = _find(rs, "TTL")
    rrs = _find(rs, "ResourceRecords")
    values = []
    if rrs is not None:
        values = [_find(r, "Value").text for r in _findall(rrs, "ResourceRecord")]
    ident = _find(rs, "SetIdentifier")
    return (name, typ, None if ident is None else ident.text), \
        (None if ttl is None else int(ttl.text), sorted(values))


def zone_of(path):
    m = _PATH.match(path.split("?", 1)[0])
    return m.group(1) if m else None


def current(conn_factory, zone_id, name, typ):
    """(ttl, sorted values) of the simple set name/type in moto now, or None."""
    conn = conn_factory()
    try:
        # moto routes by the credential scope's service; it checks no signature
        conn.request("GET", f"/2013-04-01/hostedzone/{zone_id}/rrset?name={quote(name)}"
                            f"&type={typ}&maxitems=10", headers={"Authorization": _AUTH})
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"moto ListResourceRecordSets: HTTP {resp.status}")
    finally:
        conn.close()
    root = ET.fromstring(body)
    sets = _find(root, "ResourceRecordSets")
    for rs in (_findall(sets, "ResourceRecordSet") if sets is not None else []):
        key, val = _rrset_of(rs)
        if key == (_norm(name), typ, None):
            return val
    return None


def check(conn_factory, zone_id, body):
    """None when Route53 would accept the batch, else its InvalidChangeBatch message."""
    root = ET.fromstring(body)
    batch = _find(root, "ChangeBatch")
    changes = _find(batch, "Changes")
    state = {}
    for ch in _findall(changes, "Change"):
        action = _find(ch, "Action").text
        key, val = _rrset_of(_find(ch, "ResourceRecordSet"))
        if key[2] is not None:
            continue  # routing-policy sets: not modelled
        if key not in state:
            state[key] = current(conn_factory, zone_id, key[0], key[1])
        have = state[key]
        where = f"resource record set [name='{key[0]}.', type='{key[1]}']"
        if action == "CREATE":
            if have is not None:
                return f"Tried to create {where} but it already exists"
            state[key] = val
        elif action == "DELETE":
            if have is None:
                return f"Tried to delete {where} but it was not found"
            if have != val:
                return (f"Tried to delete {where} but the values provided do not match the "
                        f"current values: {json.dumps(have[1])}")
            state[key] = None
        else:
            state[key] = val
    return None
