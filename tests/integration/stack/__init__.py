"""aaa's local test stack: moto behind a SigV4-verifying, fault-injecting proxy, a DNS
server answering from moto's Route53, pebble behind a counting ACME proxy, and
recording HTTP servers. Used by tests/integration/conftest.py and by `make demo`
(`/usr/bin/python3 -m tests.integration.stack up --env-file F`).
"""

from .awsproto import classify, error_response, parse_authorization
from .dnsserver import Route53DNS, parse_txt_value
from .faults import FaultPlan, FaultRule
from .motoserver import MotoServer
from .pebble import Pebble, make_eab_key
from .proxy import ProxyControl, ProxyServer
from .recorder import RecordingServer, ResponseUrlServer
from .sigv4 import DEFAULT_SECRETS, SigV4Verifier
from .stack import ACCESS_KEY, REGION, SECRET_KEY, AwsEndpoint, Stack, botocore_client
from .util import find_moto_python, free_port, make_tls_files, wait_until

__all__ = [
    "ACCESS_KEY", "AwsEndpoint", "DEFAULT_SECRETS", "FaultPlan", "FaultRule", "MotoServer",
    "Pebble", "ProxyControl", "ProxyServer", "REGION", "RecordingServer", "ResponseUrlServer",
    "Route53DNS", "SECRET_KEY", "SigV4Verifier", "Stack", "botocore_client", "classify",
    "error_response", "find_moto_python", "free_port", "make_eab_key", "make_tls_files",
    "parse_authorization", "parse_txt_value", "wait_until",
]
