"""An authoritative DNS server (dnslib) that answers from moto's Route53, live.

pebble's VA asks it for _acme-challenge TXT records; every query reads the
hosted zones and record sets through moto's Route53 API at that moment (no
cache), so a record aaa has just written is visible at once and a record it has
deleted is gone. Only public zones are served, as the internet would see them.

  * names under no hosted zone: REFUSED (we are not authoritative);
  * names in a zone without records: NXDOMAIN, with the zone's SOA;
  * names with records but not of the asked type: NOERROR, no data, SOA;
  * CNAME (e.g. _acme-challenge delegated to another zone): the CNAME plus the
    target's records in the same answer, followed up to 8 links inside our zones;
  * wildcard records (*.zone) answer names with no records of their own.
Every query is logged in `queries` for tests (name, type, rcode, answers).
"""

import re
import threading
import time

import botocore.session
from botocore.config import Config
from dnslib import QTYPE, RCODE, RR, TXT, DNSRecord
from dnslib.server import BaseResolver, DNSServer

from .util import LOCALHOST, free_port_tcp_udp

_SOA_BUG = re.compile(r"^\{'Value': '(.*)'\}$")  # moto 5.2.1 stores the default SOA so


def _unescape_name(name):
    """Route53 returns names with octal escapes (\\052 for '*'); normalise to lower-case FQDN."""
    name = re.sub(r"\\(\d{3})", lambda m: chr(int(m.group(1), 8)), name)
    name = name.lower()
    return name if name.endswith(".") else name + "."


def parse_txt_value(value):
    """A Route53 TXT value ('"part one" "part two"') -> list of bytes strings."""
    parts, i, n = [], 0, len(value)
    while i < n:
        c = value[i]
        if c.isspace():
            i += 1
            continue
        cur = bytearray()
        if c == '"':
            i += 1
            while i < n and value[i] != '"':
                if value[i] == "\\" and i + 1 < n:
                    if value[i + 1:i + 4].isdigit() and len(value[i + 1:i + 4]) == 3:
                        cur.append(int(value[i + 1:i + 4], 8) & 0xFF)
                        i += 4
                        continue
                    cur += value[i + 1].encode()
                    i += 2
                    continue
                cur += value[i].encode()
                i += 1
            i += 1  # closing quote
        else:
            while i < n and not value[i].isspace():
                cur += value[i].encode()
                i += 1
        parts.append(bytes(cur))
    return parts or [b""]


class _Resolver(BaseResolver):
    def __init__(self, owner):
        self.owner = owner

    def resolve(self, request, handler):
        return self.owner._resolve(request)


class Route53DNS:
    """DNS on 127.0.0.1 (UDP and TCP, one port) backed by moto's Route53 at `moto_url`.

    Reads moto directly (not through the verifying/fault proxy), so faults a
    test injects into aaa's AWS traffic never disturb the CA's view of DNS.
    """

    def __init__(self, moto_url, access_key="AKIDTEST", secret_key="test-secret",
                 region="us-east-1"):
        self.moto_url = moto_url
        self._client = botocore.session.get_session().create_client(
            "route53", endpoint_url=moto_url, region_name=region,
            aws_access_key_id=access_key, aws_secret_access_key=secret_key,
            config=Config(retries={"max_attempts": 2}, connect_timeout=5, read_timeout=10))
        self._lock = threading.Lock()
        self.queries = []
        self.port = None
        # Seconds after the question that an answer to a TXT query for an
        # _acme-challenge name leaves, the lookup included (the server is
        # threaded, so queries wait side by side): a CA that validates seconds
        # after the challenge answer, for the benchmark. Under 2: pebble's DNS
        # client gives up after 2 s.
        self.challenge_txt_delay_s = 0.0
        self._udp = self._tcp = None

    # -- life cycle -------------------------------------------------------------

    def start(self):
        resolver = _Resolver(self)
        last = None
        for _ in range(10):
            port = free_port_tcp_udp()
            try:
                self._udp = DNSServer(resolver, address=LOCALHOST, port=port,
                                      logger=_QuietLogger())
                self._tcp = DNSServer(resolver, address=LOCALHOST, port=port, tcp=True,
                                      logger=_QuietLogger())
                break
            except OSError as exc:  # lost the race for the port
                last = exc
                self._close_servers()
        else:
            raise RuntimeError(f"DNS server could not bind: {last}")
        self.port = port
        self._udp.start_thread()
        self._tcp.start_thread()
        return self

    def _close_servers(self):
        for s in (self._udp, self._tcp):
            if s is not None:
                try:
                    s.server.server_close()
                except OSError:
                    pass
        self._udp = self._tcp = None

    def stop(self):
        for s in (self._udp, self._tcp):
            if s is not None:
                try:
                    s.server.shutdown()
                    s.server.server_close()
                except OSError:
                    pass
        self._udp = self._tcp = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def address(self):
        """host:port, the form pebble's -dnsserver flag takes."""
        return f"{LOCALHOST}:{self.port}"

    def clear_log(self):
        with self._lock:
            self.queries = []

    # -- client helper ----------------------------------------------------------

    def query(self, name, qtype="TXT", tcp=False, timeout=5.0):
        """Ask this server; returns (rcode name, [(type, rdata text)...]) for the answer.

        TXT rdata is returned as the joined string value, as a validator sees it.
        """
        q = DNSRecord.question(name, qtype)
        raw = q.send(LOCALHOST, self.port, tcp=tcp, timeout=timeout)
        reply = DNSRecord.parse(raw)
        answers = []
        for rr in reply.rr:
            t = QTYPE[rr.rtype]
            if t == "TXT":
                answers.append((t, b"".join(rr.rdata.data).decode("utf-8", "replace")))
            else:
                answers.append((t, str(rr.rdata)))
        return RCODE[reply.header.rcode], answers

    def txt(self, name):
        """The TXT strings at `name` (CNAMEs followed), [] when none."""
        _, answers = self.query(name, "TXT")
        return [v for t, v in answers if t == "TXT"]

    # -- answering ----------------------------------------------------------------

    def _zones(self):
        """Public hosted zones: [(name, id)], read from moto now."""
        zones, kw = [], {}
        while True:
            r = self._client.list_hosted_zones(**kw)
            for z in r.get("HostedZones", []):
                if not z.get("Config", {}).get("PrivateZone", False):
                    zones.append((_unescape_name(z["Name"]), z["Id"].split("/")[-1]))
            if not r.get("IsTruncated"):
                return zones
            kw = {"Marker": r["NextMarker"]}

    def _rrsets(self, zone_id):
        sets, kw = [], {}
        while True:
            r = self._client.list_resource_record_sets(HostedZoneId=zone_id, **kw)
            sets.extend(r.get("ResourceRecordSets", []))
            if not r.get("IsTruncated"):
                return sets
            kw = {"StartRecordName": r["NextRecordName"], "StartRecordType": r["NextRecordType"]}
            if r.get("NextRecordIdentifier"):
                kw["StartRecordIdentifier"] = r["NextRecordIdentifier"]

    @staticmethod
    def _zone_for(name, zones):
        best = None
        for zname, zid in zones:
            if (name == zname or name.endswith("." + zname)) and (
                    best is None or len(zname) > len(best[0])):
                best = (zname, zid)
        return best

    @staticmethod
    def _to_rrs(owner, rrset):
        """dnslib RRs for one Route53 record set, with `owner` as their name."""
        rtype, ttl = rrset["Type"], int(rrset.get("TTL", 60))
        out = []
        for rec in rrset.get("ResourceRecords", []):
            value = rec["Value"]
            m = _SOA_BUG.match(value)
            if m:
                value = m.group(1)
            if rtype == "TXT":
                out.append(RR(owner, QTYPE.TXT, ttl=ttl, rdata=TXT(parse_txt_value(value))))
            elif rtype in ("CNAME", "NS") and not value.endswith("."):
                out.extend(RR.fromZone(f"{owner} {ttl} IN {rtype} {value}."))
            else:
                out.extend(RR.fromZone(f"{owner} {ttl} IN {rtype} {value}"))
        return out

    def _resolve(self, request):
        reply = request.reply()
        reply.header.aa = 1
        qname = _unescape_name(str(request.q.qname))
        qtype = QTYPE[request.q.qtype]
        hold = (self.challenge_txt_delay_s if qtype == "TXT"
                and qname.startswith("_acme-challenge.") else 0)
        t0 = time.monotonic()
        try:
            zones = self._zones()
            if self._zone_for(qname, zones) is None:
                reply.header.aa = 0
                reply.header.rcode = RCODE.REFUSED
            else:
                cache = {}
                self._answer(qname, qtype, zones, cache, reply, 0)
        except Exception as exc:  # noqa: BLE001 - moto trouble is SERVFAIL, not a crash
            reply = request.reply()
            reply.header.rcode = RCODE.SERVFAIL
            qtype = f"{qtype} ({exc!r})"
        with self._lock:
            self.queries.append({
                "name": qname, "type": qtype, "rcode": RCODE[reply.header.rcode],
                "answers": [str(rr.rdata) for rr in reply.rr]})
        if hold > 0:  # the answer leaves `hold` s after the question, lookup included
            time.sleep(max(0.0, hold - (time.monotonic() - t0)))
        return reply

    def _answer(self, name, qtype, zones, cache, reply, depth):
        zone = self._zone_for(name, zones)
        if zone is None:  # a CNAME left our zones; the answer ends here
            return
        zname, zid = zone
        if zid not in cache:
            cache[zid] = self._rrsets(zid)
        sets = cache[zid]
        exact = [s for s in sets if _unescape_name(s["Name"]) == name]
        exists = bool(exact) or any(
            _unescape_name(s["Name"]).endswith("." + name) for s in sets)
        if not exists:
            # A wildcard at the closest ancestor inside the zone answers for the name.
            labels = name.split(".")
            for i in range(1, len(labels)):
                anc = ".".join(labels[i:])
                if not (anc == zname or anc.endswith("." + zname)):
                    break
                wild = [s for s in sets if _unescape_name(s["Name"]) == "*." + anc]
                if wild:
                    exact, exists = wild, True
                    break
        matched = [s for s in exact if qtype == "ANY" or s["Type"] == qtype]
        cname = [s for s in exact if s["Type"] == "CNAME"]
        if matched:
            for s in matched:
                reply.rr.extend(self._to_rrs(name, s))
            return
        if cname and qtype != "CNAME":
            rrs = self._to_rrs(name, cname[0])
            reply.rr.extend(rrs)
            if depth < 8 and rrs:
                self._answer(_unescape_name(str(rrs[0].rdata.label)), qtype, zones, cache,
                             reply, depth + 1)
            return
        soa = [s for s in sets if s["Type"] == "SOA" and _unescape_name(s["Name"]) == zname]
        if soa:
            reply.auth.extend(self._to_rrs(zname, soa[0]))
        if not exists and not reply.rr:
            reply.header.rcode = RCODE.NXDOMAIN


class _QuietLogger:
    """dnslib's server logger interface, silenced (pytest output stays readable)."""

    def __getattr__(self, name):
        return lambda *a, **k: None

