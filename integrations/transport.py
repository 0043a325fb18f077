"""Sending a webhook: the address check (no private or loopback hosts), the signature and the POST.

The host is resolved once, every address it resolves to is checked, and the connection goes to the
checked address (the Host header and TLS name stay the URL's): a DNS answer that changes between
the check and the connection cannot point a delivery at an internal service. Redirects are not
followed: a 3xx is a failed attempt.
"""

import hashlib
import hmac
import http.client
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

SIGNATURE_HEADER = "X-Tandem-Signature"
EXCERPT_CHARS = 500


def sign(secret, timestamp, body):
    """Return the header value signing ``body`` (bytes) at ``timestamp`` (Unix seconds) with ``secret``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _public(address):
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _split(url):
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("Use an http:// or https:// address with a host name.")
    if parts.username or parts.password:
        raise ValidationError("Leave credentials out of the address; the signature authenticates Tandem.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationError("The port of this address is not a number from 1 to 65535.") from None
    return parts, port


def resolve(url):
    """Return (parts, port, address) of ``url``; refuse a private, loopback or unresolvable host.

    ``WEBHOOK_ALLOW_PRIVATE`` lifts the private/loopback refusal (a local receiver in the tests).
    """
    parts, port = _split(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise ValidationError(f"The host {parts.hostname} cannot be resolved.") from None
    addresses = [info[4][0] for info in infos]
    if not settings.WEBHOOK_ALLOW_PRIVATE and not all(_public(address) for address in addresses):
        raise ValidationError(
            f"The host {parts.hostname} is a private, loopback or reserved address; webhooks go to public hosts only."
        )
    return parts, port, addresses[0]


def check_url(url):
    """Raise ValidationError unless ``url`` is an http(s) address of a public host."""
    resolve(url)


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass
class Answer:
    status: int | None
    excerpt: str
    error: str = ""

    @property
    def ok(self):
        return self.status is not None and 200 <= self.status < 300


def post(url, body, headers):
    """POST ``body`` to ``url`` with ``headers``; return the Answer (never raises for a network error)."""
    try:
        parts, port, address = resolve(url)
    except ValidationError as exc:
        return Answer(None, "", "; ".join(exc.messages))
    connection_class = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    connection = connection_class(parts.hostname, port, address=address, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": "application/json", **headers})
        response = connection.getresponse()
        excerpt = response.read(EXCERPT_CHARS * 4).decode("utf-8", "replace")[:EXCERPT_CHARS]
        return Answer(response.status, excerpt)
    except (OSError, http.client.HTTPException) as exc:
        return Answer(None, "", f"{type(exc).__name__}: {exc}"[:300])
    finally:
        connection.close()
