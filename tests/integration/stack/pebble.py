"""Debian's pebble (2.4.0) as a child process, behind a counting/fault proxy.

pebble gets a generated config: 127.0.0.1 on free ports, our own test CA's
certificate for its HTTPS listener (Debian ships none of pebble's test certs),
`-dnsserver` pointing at the Route53-backed DNS server so DNS-01 is validated
for real. PEBBLE_VA_NOSLEEP=1, PEBBLE_WFE_NONCEREJECT defaults to 0 (a test
that wants nonce storms asks for them), PEBBLE_VA_ALWAYS_VALID is removed from
the environment whatever the caller's environment says.

Clients talk to the ACME proxy in front (directory_url): pebble builds every
URL from the Host header, which the proxy forwards unchanged, so the whole
conversation goes through the proxy, where it is counted per endpoint and can be
broken on purpose. `direct_directory_url` bypasses the proxy.
"""

import base64
import json
import os
import shutil
import ssl
import urllib.error
import urllib.request

from .proxy import ProxyServer
from .util import LOCALHOST, Process, free_port, wait_until


def make_eab_key(nbytes=32):
    """A random EAB MAC key, base64url without padding (pebble's config format)."""
    return base64.urlsafe_b64encode(os.urandom(nbytes)).rstrip(b"=").decode()


class Pebble:
    """pebble + its ACME proxy.

    tls: make_tls_files() dict (the CA in tls["ca_cert"] is the CA bundle clients trust).
    dns_address: "127.0.0.1:PORT" of the DNS server pebble's VA asks (None: system resolver).
    eab_keys: {kid: base64url MAC key}; eab_required: pebble refuses accounts without EAB.
    nonce_reject: PEBBLE_WFE_NONCEREJECT percent. alternate_roots: PEBBLE_ALTERNATE_ROOTS.
    chain_length: PEBBLE_CHAIN_LENGTH. authz_reuse: PEBBLE_AUTHZREUSE percent.
    validity_seconds: certificateValidityPeriod (short-lived certificates).
    """

    def __init__(self, tls, workdir, dns_address=None, eab_keys=None, eab_required=False,
                 nonce_reject=0, alternate_roots=0, chain_length=None, authz_reuse=None,
                 validity_seconds=None, extra_env=None, binary=None, startup_timeout=30,
                 proxy=True):
        self.tls = tls
        self.workdir = workdir
        self.dns_address = dns_address
        self.eab_keys = dict(eab_keys or {})
        self.eab_required = eab_required
        self.nonce_reject = nonce_reject
        self.alternate_roots = alternate_roots
        self.chain_length = chain_length
        self.authz_reuse = authz_reuse
        self.validity_seconds = validity_seconds
        self.extra_env = dict(extra_env or {})
        self.binary = binary or shutil.which("pebble") or "/usr/bin/pebble"
        self.startup_timeout = startup_timeout
        self.use_proxy = proxy
        self.process = None
        self.proxy = None
        self.port = self.mgmt_port = None
        self._ctx = ssl.create_default_context(cafile=tls["ca_cert"])

    # -- addresses --------------------------------------------------------------

    @property
    def ca_bundle(self):
        """PEM file of the CA that signed pebble's (and the proxy's) HTTPS certificate."""
        return self.tls["ca_cert"]

    @property
    def direct_url(self):
        return f"https://{LOCALHOST}:{self.port}"

    @property
    def direct_directory_url(self):
        return self.direct_url + "/dir"

    @property
    def url(self):
        return self.proxy.url if self.proxy else self.direct_url

    @property
    def directory_url(self):
        """What clients use: the directory through the counting proxy."""
        return self.url + "/dir"

    @property
    def management_url(self):
        return f"https://{LOCALHOST}:{self.mgmt_port}"

    # -- life cycle -------------------------------------------------------------

    def _config(self):
        cfg = {
            "listenAddress": f"{LOCALHOST}:{self.port}",
            "managementListenAddress": f"{LOCALHOST}:{self.mgmt_port}",
            "certificate": self.tls["cert"],
            "privateKey": self.tls["key"],
            # http-01/tls-alpn-01 are not used; point them at ports nobody serves.
            "httpPort": free_port(),
            "tlsPort": free_port(),
            "ocspResponderURL": "",
            "externalAccountBindingRequired": bool(self.eab_required),
        }
        if self.eab_keys:
            cfg["externalAccountMACKeys"] = self.eab_keys
        if self.validity_seconds is not None:
            cfg["certificateValidityPeriod"] = int(self.validity_seconds)
        return {"pebble": cfg}

    def _env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("PEBBLE_")}
        env["PEBBLE_VA_NOSLEEP"] = "1"
        env["PEBBLE_WFE_NONCEREJECT"] = str(int(self.nonce_reject))
        if self.alternate_roots:
            env["PEBBLE_ALTERNATE_ROOTS"] = str(int(self.alternate_roots))
        if self.chain_length is not None:
            env["PEBBLE_CHAIN_LENGTH"] = str(int(self.chain_length))
        if self.authz_reuse is not None:
            env["PEBBLE_AUTHZREUSE"] = str(int(self.authz_reuse))
        env.update(self.extra_env)
        if "PEBBLE_VA_ALWAYS_VALID" in env:
            raise ValueError("PEBBLE_VA_ALWAYS_VALID is not allowed: DNS-01 is validated for real")
        return env

    def start(self):
        os.makedirs(self.workdir, exist_ok=True)
        last = None
        for attempt in range(3):  # free ports can be taken before pebble binds them
            self.port, self.mgmt_port = free_port(), free_port()
            cfg_path = os.path.join(self.workdir, f"pebble-config-{self.port}.json")
            with open(cfg_path, "w") as f:
                json.dump(self._config(), f, indent=1)
            argv = [self.binary, "-config", cfg_path, "-strict=false"]
            if self.dns_address:
                argv += ["-dnsserver", self.dns_address]
            self.process = Process(f"pebble-{self.port}", argv, env=self._env(),
                                   cwd=self.workdir, log_dir=self.workdir)
            try:
                wait_until(self._ready, self.startup_timeout, interval=0.05,
                           what=f"pebble on port {self.port}")
                break
            except (TimeoutError, RuntimeError) as exc:
                last = exc
                self.process.stop()
        else:
            raise RuntimeError(f"pebble did not start: {last}\n{self.process.log_tail()}")
        if self.use_proxy:
            self.proxy = ProxyServer(self.direct_url, kind="acme", listen_tls=self.tls,
                                     upstream_ca=self.ca_bundle, name="acme-proxy").start()
        return self

    def _ready(self):
        self.process.check_alive()
        self._get(self.direct_directory_url)
        self._get(self.management_url + "/roots/0")
        return True

    def stop(self):
        if self.proxy is not None:
            self.proxy.stop()
            self.proxy = None
        if self.process is not None:
            self.process.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- HTTPS helpers --------------------------------------------------------------

    def _get(self, url, timeout=10):
        with urllib.request.urlopen(url, timeout=timeout, context=self._ctx) as r:
            return r.read()

    def directory(self, direct=False):
        """The ACME directory document (a dict)."""
        return json.loads(self._get(self.direct_directory_url if direct else self.directory_url))

    # -- management interface ---------------------------------------------------------

    def root_pem(self, index=0):
        """pebble's issuing root certificate number `index` (alternates: 1..N), PEM."""
        return self._get(f"{self.management_url}/roots/{index}").decode()

    def intermediate_pem(self, index=0):
        return self._get(f"{self.management_url}/intermediates/{index}").decode()

    def root_key_pem(self, index=0):
        return self._get(f"{self.management_url}/root-keys/{index}").decode()

    def intermediate_key_pem(self, index=0):
        return self._get(f"{self.management_url}/intermediate-keys/{index}").decode()

    def roots(self):
        """Every root pebble issues under: [root 0, alternate 1, ...]."""
        return [self.root_pem(i) for i in range(1 + int(self.alternate_roots or 0))]

    def write_roots_bundle(self, path):
        """Write all of pebble's issuing roots to one PEM file (for verifying issued certs)."""
        with open(path, "w") as f:
            f.write("".join(self.roots()))
        return path

    def cert_status(self, serial):
        """pebble's view of a certificate by serial (hex, any case, optional colons).

        Returns the management interface's dict ({"Status": "Valid"|"Revoked",
        "Reason": int, "RevokedAt": ..., "Certificate": PEM, "Serial": ...}) or None
        when pebble does not know the serial.
        """
        s = serial.replace(":", "").lower().lstrip("0") or "0"
        for candidate in (s, s.zfill(len(s) + (len(s) % 2))):
            try:
                return json.loads(self._get(f"{self.management_url}/cert-status-by-serial/"
                                            f"{candidate}"))
            except urllib.error.HTTPError as exc:
                if exc.code != 404:
                    raise
        return None

    # -- request accounting (through the proxy) -----------------------------------------

    def stats(self):
        return self.proxy.stats()

    def reset_stats(self):
        self.proxy.reset_stats()

    def count(self, action=None, method=None):
        """ACME requests since the last reset, e.g. count("newOrder")."""
        return self.proxy.count(action=action, method=method)
