"""Every outbound HTTP call crowdcare makes goes through `client()`.

A URL someone typed (an API channel's callback) must not let them reach what only the server
can: the database, NATS, Redis, a cloud metadata service, an admin port on loopback. So only
http and https are called, and only public addresses, unless the operator allows a private
range (CROWDCARE_OUTBOUND_ALLOW_NETWORKS, e.g. the test suite's and the demo's fake platforms
on loopback). The check is made when a connection is opened, on the address it is opened to:
the name is resolved once, every address it gave is checked, and the socket connects to the
checked address, so a name that was public when the URL was saved and resolves to 127.0.0.1
now (DNS rebinding) is refused too. `refusal()` tells an admin at once when saving a URL whose
host is a private address by itself, in any spelling (127.1, 2130706433, 0x7f000001, [::1]).
"""
from __future__ import annotations

import ipaddress
import socket
from functools import cache
from urllib.parse import urlsplit

import anyio
import httpcore
import httpx

from crowdcare.settings import get_settings

SCHEMES = ("http", "https")
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
HINT = "an operator may allow a private range with CROWDCARE_OUTBOUND_ALLOW_NETWORKS"


class Refused(httpx.TransportError):
    """A destination crowdcare will not call: not http(s), or not a public address."""


@cache
def _networks(spec: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(part.strip(), strict=False)
                 for part in spec.split(",") if part.strip())


def allowed(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:   # ::ffff:127.0.0.1
        ip = ip.ipv4_mapped
    if any(ip in net for net in _networks(get_settings().outbound_allow_networks)):
        return True
    return ip.is_global and not ip.is_multicast


def _literal(host: str) -> IPAddress | None:
    """The address a host names by itself, in every spelling the resolver takes."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):   # RFC 6761: always loopback
        return ipaddress.IPv4Address("127.0.0.1")
    try:
        return ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        pass
    try:   # 127.1, 2130706433, 0x7f000001, 0177.0.0.1: inet_aton's forms
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def refusal(url: str) -> str | None:
    """Why `url` will never be called, known without resolving a name; None if it may be."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES:
        return "only http and https URLs can be called"
    if not parts.hostname:
        return "the URL has no host"
    ip = _literal(parts.hostname)
    if ip is not None and not allowed(ip):
        return f"{parts.hostname} is not a public address ({HINT})"
    return None


async def _checked_address(host: str, port: int, timeout: float | None) -> str:
    try:
        with anyio.fail_after(timeout):
            infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except TimeoutError:
        raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
    except OSError as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
    ips = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not ips or not all(allowed(ip) for ip in ips):
        raise Refused(f"{host} is not a public address ({HINT})")
    return str(ips[0])


class _PublicOnly(httpcore.AsyncNetworkBackend):
    """Opens sockets only to checked addresses; everything else as httpcore does."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host, port, timeout=None, local_address=None,
                          socket_options=None):
        address = await _checked_address(host, port, timeout)
        # TLS still verifies the certificate against `host`: httpcore passes the URL's host
        # as server_hostname to start_tls, whatever address the socket went to.
        return await self._inner.connect_tcp(address, port, timeout=timeout,
                                             local_address=local_address,
                                             socket_options=socket_options)

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise Refused("unix sockets are not called")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _Transport(httpx.AsyncHTTPTransport):
    def __init__(self) -> None:
        super().__init__(trust_env=False)   # no proxy from the environment: we connect
        # httpx takes no argument for how its pool opens sockets: the same pool, with ours
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False), max_connections=100,
            max_keepalive_connections=20, keepalive_expiry=5.0, network_backend=_PublicOnly())

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme not in SCHEMES:
            raise Refused(f"only http and https URLs can be called, not {request.url.scheme}:",
                          request=request)
        return await super().handle_async_request(request)


def client(timeout: httpx.Timeout | float = TIMEOUT) -> httpx.AsyncClient:
    """The HTTP client for every call out of crowdcare (platforms, callbacks). Redirects are
    not followed: a platform does not redirect its API, and a callback that does is refused."""
    return httpx.AsyncClient(transport=_Transport(), timeout=timeout, trust_env=False,
                             follow_redirects=False)


def summary(exc: httpx.HTTPError) -> str:
    """A failed call in a few words fit for agents: never the other side's text or ports."""
    if isinstance(exc, Refused):
        return f"refused: {exc}"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return "could not connect"
    return f"failed ({type(exc).__name__})"
