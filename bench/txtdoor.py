"""The TXT side door: how the peer clients' hooks publish DNS-01 records.

The peers (uacme, lego, certbot) know nothing of Route53 without plugins we
cannot install here, so their hooks hand each record to this small TCP server
on 127.0.0.1, which writes it straight into moto's Route53 (not through the
verifying proxy: the peers' AWS traffic is not what is measured). The DNS
server pebble's VA asks reads moto live, so the record is visible the moment
the hook returns. aaa does not use the door: it publishes through its own
Route53 code, which is its real path.

Protocol, one line each way (bash's /dev/tcp is enough for a client, so a hook
costs one small shell process and no interpreter start):
    present FQDN VALUE\n   ->  ok\n | err MESSAGE\n
    cleanup FQDN VALUE\n   ->  ok\n | err MESSAGE\n
Several values on one name are kept together (UPSERT of the whole set), as a
wildcard and its apex need.

For the realistic-latency part (bench/realistic.py) the door is built with
`aws_url` (the verifying proxy, which holds Route53 changes PENDING): then it
writes through the proxy and `present` answers only once GetChange says INSYNC,
as a hook on real Route53 must (a hook sees one name at a time, so it waits
once per name; lego's own route53 provider waits the same way). It asks every
`insync_poll_s` (0.25 s), so a peer loses at most that to the door's polling.
`cleanup` does not wait.
"""

import socketserver
import threading
import time
import uuid

from tests.integration.stack.stack import botocore_client


def _fqdn(name):
    name = name.strip().lower()
    return name if name.endswith(".") else name + "."


class TxtDoor:
    """TXT records into moto's Route53 for hook scripts.

    moto_url: moto's own URL (direct). zones: {"bench.test.": "ZONEID", ...}.
    `log` keeps (op, fqdn, value, outcome) for the tests.
    """

    def __init__(self, moto_url, zones, aws_url=None, insync_poll_s=0.25, insync_timeout_s=300):
        self._r53 = botocore_client("route53", aws_url or moto_url)
        self.wait_insync = aws_url is not None
        self.insync_poll_s = insync_poll_s
        self.insync_timeout_s = insync_timeout_s
        self.zones = {_fqdn(k): v for k, v in zones.items()}
        self._values = {}
        self._lock = threading.Lock()
        self.log = []
        self._server = None

    @property
    def port(self):
        return self._server.server_address[1]

    def start(self):
        door = self

        class Handler(socketserver.StreamRequestHandler):
            timeout = 30

            def handle(self):
                line = self.rfile.readline(4096).decode("utf-8", "replace").split()
                try:
                    if len(line) != 3 or line[0] not in ("present", "cleanup"):
                        raise ValueError("usage: present|cleanup FQDN VALUE")
                    door.change(*line)
                    answer = "ok\n"
                except Exception as exc:  # noqa: BLE001 - the hook prints it
                    answer = "err " + " ".join(str(exc).split())[:300] + "\n"
                self.wfile.write(answer.encode())

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _zone_id(self, fqdn):
        best = None
        for zname, zid in self.zones.items():
            if (fqdn == zname or fqdn.endswith("." + zname)) and (
                    best is None or len(zname) > len(best[0])):
                best = (zname, zid)
        if best is None:
            raise ValueError(f"{fqdn} is in none of the bench zones")
        return best[1]

    def change(self, op, fqdn, value):
        """Add (present) or remove (cleanup) one TXT value at fqdn, synchronously."""
        fqdn = _fqdn(fqdn)
        zone = self._zone_id(fqdn)
        with self._lock:
            old = list(self._values.get(fqdn, []))
            new = [v for v in old if v != value]
            if op == "present":
                new.append(value)
            if new == old:
                self.log.append((op, fqdn, value, "unchanged"))
                return
            if new:
                change = {"Action": "UPSERT", "ResourceRecordSet": self._rrset(fqdn, new)}
            else:
                change = {"Action": "DELETE", "ResourceRecordSet": self._rrset(fqdn, old)}
            r = self._r53.change_resource_record_sets(
                HostedZoneId=zone,
                ChangeBatch={"Comment": f"bench {uuid.uuid4().hex[:8]}", "Changes": [change]})
            self._values[fqdn] = new
            self.log.append((op, fqdn, value, "ok"))
        # Outside the lock: other hooks' changes go on while this one waits.
        if self.wait_insync and op == "present":
            self._wait(r["ChangeInfo"])

    def _wait(self, info):
        deadline = time.monotonic() + self.insync_timeout_s
        while info.get("Status") != "INSYNC":
            if time.monotonic() > deadline:
                raise TimeoutError(f"change {info.get('Id')} still {info.get('Status')}")
            time.sleep(self.insync_poll_s)
            info = self._r53.get_change(Id=info["Id"])["ChangeInfo"]

    @staticmethod
    def _rrset(fqdn, values):
        return {"Name": fqdn, "Type": "TXT", "TTL": 60,
                "ResourceRecords": [{"Value": f'"{v}"'} for v in values]}
