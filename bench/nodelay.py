"""TCP_NODELAY for the test stack's proxies, inside the bench process only.

The stack's proxies (tests/integration/stack/proxy.py) answer with more than
one write per response (headers, then body; TLS records), and forward request
bodies to pebble in a second write. With Nagle's algorithm on, the second small
write waits for the peer's delayed ACK: about 40 ms per request on Linux. A
client making 9 sequential requests would then be measured mostly on that
stall (a directory GET through the ACME proxy took 44 ms against 7 ms straight
to pebble; with NODELAY 10-15 ms). The bench measures clients, not the plumbing,
so it turns Nagle off on both sides of the proxies before starting the stack.
The proper fix is the same two setsockopt calls in proxy.py itself.
"""

import http.client
import socket

_applied = False


def _nodelay(sock):
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError):
        pass


def apply():
    """Patch the proxy's request handler and http.client's connect (idempotent)."""
    global _applied
    if _applied:
        return
    from tests.integration.stack import proxy as proxy_mod

    handler_setup = proxy_mod._Handler.setup

    def setup(self):
        _nodelay(self.request)
        handler_setup(self)

    proxy_mod._Handler.setup = setup

    connect = http.client.HTTPConnection.connect

    def connect_nodelay(self):
        connect(self)
        _nodelay(self.sock)

    http.client.HTTPConnection.connect = connect_nodelay
    _applied = True
