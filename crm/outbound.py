"""Posting to an address a user typed: only http(s) to public hosts, pinned to the checked address.

A URL typed by a user that the server then calls is a way into the internal network
(server-side request forgery) unless the address is checked. ``check_public_url`` accepts only
http(s) to a host whose every address is public. ``post_json`` resolves the host once, checks
every address, and connects to the checked address itself (the Host header, TLS SNI and the
certificate check stay the URL's host name), so a DNS answer that changes between the check and
the connection cannot point the post at an internal service. Redirects are never followed: a 3xx
is returned as the answer. ``allow_private`` (a setting of the calling app) lifts the address
rule for a receiver on the team's own network and the tests' local receivers.

A failed post says whether the receiver may have it: Unreachable when the request never went
out whole (no connection, refused, broken while sending), so a retry is safe; NoAnswer, an
Unreachable that is also a crm.delivery.MayHaveArrived, when the whole request was sent and the
answer never came (the connection dropped, the read timed out), so the receiver may have acted on it.

Used by the outbound webhooks (integrations/), the personal alert webhooks (handoffs/) and the
digest webhooks (alignment/).
"""

import http.client
import ipaddress
import json
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from crm.delivery import MayHaveArrived

EXCERPT_CHARS = 500
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class Refused(Exception):
    """Tandem does not post to this URL; the message says why, in words for the user."""


class PrivateAddress(Refused):
    """The host resolves to an address outside the public internet (``allow_private`` would accept it)."""


class Unreachable(Exception):
    """The receiver could not be reached, or the connection broke before it answered."""


class NoAnswer(MayHaveArrived, Unreachable):
    """The whole request was sent and no answer came: the receiver may have acted on it."""


@dataclass(frozen=True)
class Target:
    """A checked URL: its parts, its port and the one address the post connects to."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


@dataclass(frozen=True)
class Answer:
    """The receiver's HTTP status and the first EXCERPT_CHARS characters of its body."""

    status: int
    excerpt: str


def public_address(address):
    """Return whether ``address`` (a string from getaddrinfo) is one Tandem may connect to.

    Refused: private, loopback, link-local, multicast, reserved, unspecified, shared (CGNAT)
    and documentation ranges, every IPv4-mapped IPv6 address, and 6to4, Teredo or NAT64
    addresses that embed a refused IPv4 address.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return False
        embedded = [ip.sixtofour, *(ip.teredo or ())]
        if ip in NAT64:
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if not all(public_address(str(inner)) for inner in embedded if inner is not None):
            return False
    refused = ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
    refused = refused or ip.is_reserved or ip.is_unspecified
    return ip.is_global and not refused


LOOPBACK_NAMES = ("localhost", "localhost.")
NUMERIC_HOST = set("0123456789abcdefxABCDEFX.")


def literal_address(host):
    """Return the address a host name spells out itself (IPv4, IPv6 or inet_aton's 127.1, 0x7f.1), or None.

    A pure parse, never a DNS look-up: what getaddrinfo would answer for a numeric host without asking.
    """
    try:
        return str(ipaddress.ip_address(host.split("%", 1)[0]))
    except ValueError:
        pass
    if host and set(host) <= NUMERIC_HOST:
        try:
            return socket.inet_ntoa(socket.inet_aton(host))
        except OSError:
            return None
    return None


def names_private_host(url):
    """Return whether ``url``'s host, by its spelling alone, is ``localhost`` or a literal address that is not public.

    Resolves nothing (for start-up checks); a host name that resolves to a private address is caught
    by check_public_url when the post is made.
    """
    try:
        host = (urlsplit(url or "").hostname or "").lower()
    except ValueError:  # a malformed IPv6 literal: check_public_url refuses it anyway
        return False
    if host in LOOPBACK_NAMES or host.rstrip(".").endswith(".localhost"):
        return True
    address = literal_address(host)
    return address is not None and not public_address(address)


def check_public_url(url, *, allow_private):
    """Return the Target of ``url``; raise Refused unless it is http(s) to a host whose every address is public.

    The host is resolved here once; ``allow_private`` accepts any address it resolves to.
    """
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https"):
        raise Refused("Use an http:// or https:// address.")
    if not parts.hostname:
        raise Refused("The address has no host name.")
    if parts.username or parts.password:
        raise Refused("Leave the user name and password out of the address.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused("The port is not a number from 1 to 65535.") from None
    try:
        addresses = [info[4][0] for info in socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)]
    except (socket.gaierror, UnicodeError):
        raise Refused(f"The host {parts.hostname} cannot be found.") from None
    if not addresses or not (allow_private or all(public_address(address) for address in addresses)):
        raise PrivateAddress(
            f"The host {parts.hostname} points into a private network, this machine or a reserved range; "
            "Tandem posts to public hosts only."
        )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port, path, addresses[0])


class PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to ``address``, whatever ``host`` resolves to now (Host stays ``host``)."""

    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection to ``address``; SNI and the certificate check are for ``host``."""

    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def connection(target, *, timeout):
    """Return the (unopened) connection for ``target``, pinned to its checked address."""
    connection_class = PinnedHTTPSConnection if target.scheme == "https" else PinnedHTTPConnection
    return connection_class(target.host, target.port, address=target.address, timeout=timeout)


def post_json(url, body, *, headers=None, timeout, allow_private):
    """POST ``body`` (JSON bytes, or an object to encode) to ``url``; return the Answer, whatever its status.

    Raises Refused when the URL is not one Tandem posts to, Unreachable on a network error before the
    request went out whole, NoAnswer on one after it (the receiver may have it). Once the status line
    is read the Answer stands, even if the rest of the body is lost: the receiver has answered.
    """
    target = check_public_url(url, allow_private=allow_private)
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
    sending = connection(target, timeout=timeout)
    try:
        try:
            # Connects, then sends the headers and the body (one write): a failure here means not sent whole.
            sending.request(
                "POST", target.path, body=body, headers={"Content-Type": "application/json", **(headers or {})}
            )
        except (OSError, http.client.HTTPException) as exc:
            raise Unreachable(f"{type(exc).__name__}: {exc}"[:300]) from exc
        try:
            response = sending.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            raise NoAnswer(f"{type(exc).__name__} after the request was sent: {exc}"[:300]) from exc
        try:
            excerpt = response.read(EXCERPT_CHARS * 4)
        except (OSError, http.client.HTTPException) as exc:
            excerpt = getattr(exc, "partial", b"")  # IncompleteRead keeps what came
        return Answer(response.status, excerpt.decode("utf-8", "replace")[:EXCERPT_CHARS])
    finally:
        sending.close()
