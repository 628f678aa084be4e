"""What a request may reach, checked once and then held to: public addresses, a total deadline.

URLs come from the open web, so a report link could point at an internal service. The URL is
parsed by the parser that sends it (urllib3's, through requests' preparation), the host is
resolved once, every address it resolves to must be public, and the connection goes to the
address that was checked (no second lookup that a rebinding name could answer differently; TLS
still verifies the host name). Each request also has a total deadline: a watchdog shuts the
socket when it passes, so a server that trickles bytes cannot hold a fetch past it.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util import parse_url

Resolver = Callable[[str], list[str]]

# In this order: Python also counts loopback, link-local and reserved ranges as private.
_REFUSED = (("loopback", "a loopback"), ("link_local", "a link-local"), ("multicast", "a multicast"),
            ("unspecified", "an unspecified"), ("reserved", "a reserved"), ("private", "a private"))


class Refused(Exception):
    """This URL may not be asked, for the one-line reason given."""


def resolve(host: str) -> list[str]:
    """Every address `host` resolves to (numeric spellings such as 2130706433 or 0x7f.1 included)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise Refused(f"cannot resolve {host}: {exc}") from None
    return list(dict.fromkeys(info[4][0].split("%")[0] for info in infos))


def why_not_public(address: str) -> str | None:
    ip = ipaddress.ip_address(address)
    ip = getattr(ip, "ipv4_mapped", None) or ip
    for kind, described in _REFUSED:
        if getattr(ip, f"is_{kind}"):
            return f"refused: {ip} is {described} address"
    return None if ip.is_global else f"refused: {ip} is not a public address"


def target(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) exactly as urllib3 will connect; refuses what a browser or another
    parser would read differently (backslashes, credentials in the URL)."""
    if "\\" in url:
        raise Refused("refused: a backslash in the URL (parsers disagree on where its host ends)")
    try:
        parts = parse_url(url)
    except ValueError as exc:
        raise Refused(f"invalid URL: {exc}") from None
    scheme = (parts.scheme or "").lower()
    if scheme not in ("http", "https"):
        raise Refused(f"unsupported scheme {parts.scheme or '(none)'}")
    if parts.auth:
        raise Refused("refused: credentials in the URL")
    if not parts.host:
        raise Refused("no host in URL")
    return scheme, parts.host.strip("[]"), parts.port or (443 if scheme == "https" else 80)


def checked_address(host: str, allow_private: bool, resolver: Resolver = resolve) -> str:
    """The one address a request to `host` will use, after every address it resolves to passed."""
    addresses = resolver(host)
    if not addresses:
        raise Refused(f"cannot resolve {host}")
    if not allow_private:
        for address in addresses:
            if reason := why_not_public(address):
                raise Refused(reason)
    return addresses[0]


_local = threading.local()


def _watch(sock: socket.socket) -> None:
    deadline = getattr(_local, "deadline", None)
    if deadline is None:
        return
    timer = threading.Timer(max(deadline - time.monotonic(), 0), _shut, (sock,))
    timer.daemon = True
    timer.start()
    _local.timers.append(timer)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _WatchedHTTP(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _watch(sock)
        return sock


class _WatchedHTTPS(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _watch(sock)
        return sock


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTP


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPS


class PinnedAdapter(HTTPAdapter):
    """Sends each request to the address pinned for its host (`pin`), never resolving it again;
    a host that was not pinned is never connected to."""

    def __init__(self, *args, **kwargs):
        self.pins: dict[str, str] = {}
        super().__init__(*args, **kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        host_params, pool_kwargs = self.build_connection_pool_key_attributes(request, verify, cert)
        host = host_params["host"].strip("[]")
        if host not in self.pins:
            raise Refused(f"refused: {host} was not checked")
        if host_params["scheme"] == "https":
            pool_kwargs = {**pool_kwargs, "server_hostname": host, "assert_hostname": host}
        return self.poolmanager.connection_from_host(host=self.pins[host], port=host_params["port"],
                                                     scheme=host_params["scheme"], pool_kwargs=pool_kwargs)

    def add_headers(self, request, **kwargs):
        # The pool is keyed by address: name the host for virtual hosting, and ask for one
        # request per connection so that every request gets its own deadline watchdog.
        request.headers["Host"] = parse_url(request.url).netloc
        request.headers["Connection"] = "close"


class Deadline:
    """Within this block, every connection opened on this thread is shut at `seconds` from now."""

    def __init__(self, seconds: float):
        self.seconds = seconds

    def __enter__(self):
        _local.deadline, _local.timers = time.monotonic() + self.seconds, []
        return self

    def passed(self) -> bool:
        return time.monotonic() >= _local.deadline

    def __exit__(self, *exc):
        for timer in _local.timers:
            timer.cancel()
        _local.deadline, _local.timers = None, []
