"""Personal alert webhooks: which addresses a user may set, and posting one alert to one.

A webhook URL is typed by a user, and the server then calls it: that is a way into the
internal network (server-side request forgery) unless the address is checked. Only http(s)
to a host whose every address is public is accepted, checked when the user saves it and
again before each post (a name can be re-pointed), and redirects are not followed.
ALERT_WEBHOOK_ALLOW_PRIVATE=1 lifts the address check for a receiver on the team's own
network (and for the tests' local receiver).
"""

import ipaddress
import json
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings


class WebhookRefused(Exception):
    """The URL is not one Tandem posts to; the message says why, in words for the user."""


class WebhookFailed(Exception):
    """The receiver could not be reached or did not answer 2xx."""


def _public(address):
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def webhook_url_check(url, *, resolve=True):
    """Raise WebhookRefused unless ``url`` is an http(s) address of a public host (or private ones are allowed)."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https"):
        raise WebhookRefused("Use an http:// or https:// address.")
    if not parts.hostname:
        raise WebhookRefused("The address has no host name.")
    if parts.username or parts.password:
        raise WebhookRefused("Leave the user name and password out of the address.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise WebhookRefused("The port is not a number from 1 to 65535.") from None
    if settings.ALERT_WEBHOOK_ALLOW_PRIVATE or not resolve:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)}
    except (socket.gaierror, UnicodeError):
        raise WebhookRefused(f"The host {parts.hostname} cannot be found.") from None
    if not addresses or not all(_public(address) for address in addresses):
        raise WebhookRefused("The address points into a private network or this machine; use a public webhook.")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise WebhookFailed(f"the webhook answered a redirect ({code}); Tandem posts to the address given only")


_opener = urllib.request.build_opener(_NoRedirects)


def slack_escape(text):
    """Escape the three characters Slack-compatible webhooks read as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webhook_post(url, *, text, link):
    """Post one alert as Slack-compatible JSON ({"text": …}) to ``url``; raise WebhookFailed or WebhookRefused."""
    webhook_url_check(url)
    body = json.dumps({"text": f"{slack_escape(text)}\n<{link}|Open the hand-off inbox>"}).encode()
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", "User-Agent": "Tandem alerts"}
    )
    try:
        with _opener.open(request, timeout=settings.ALERT_WEBHOOK_TIMEOUT) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        raise WebhookFailed(f"the webhook answered {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise WebhookFailed(f"the webhook could not be reached: {exc}") from exc
    if not 200 <= status < 300:
        raise WebhookFailed(f"the webhook answered {status}")
