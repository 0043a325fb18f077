"""Sending a webhook: the signature, and the POST through the kernel's public-address guard.

crm.outbound checks the address (public hosts only unless ``WEBHOOK_ALLOW_PRIVATE``), connects to
the checked address so a DNS answer that changes between the check and the connection cannot point
a delivery at an internal service, and never follows redirects: a 3xx is a failed attempt.
"""

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

from crm import outbound

SIGNATURE_HEADER = "X-Tandem-Signature"


def sign(secrets, timestamp, body):
    """Return the header value signing ``body`` (bytes) at ``timestamp`` (Unix seconds) with each of ``secrets``.

    One ``v1=`` per secret, the current secret's first: ``t=<ts>,v1=<hex>[,v1=<hex>]``, as Stripe
    signs during a secret's roll. A receiver accepts the body when any ``v1`` matches its secret. The
    previous secret's signature comes last, so a receiver that still reads one ``v1`` (the last, as
    the README's earlier check did) keeps verifying with the secret it holds until the grace ends.
    """
    signed = f"{timestamp}.".encode() + body
    digests = [hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest() for secret in secrets]
    return ",".join([f"t={timestamp}", *(f"v1={digest}" for digest in digests)])


def check_url(url):
    """Raise ValidationError unless ``url`` is an http(s) address of a public host."""
    try:
        outbound.check_public_url(url, allow_private=settings.WEBHOOK_ALLOW_PRIVATE)
    except outbound.Refused as exc:
        raise ValidationError(str(exc)) from None


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
        answer = outbound.post_json(
            url,
            body,
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            allow_private=settings.WEBHOOK_ALLOW_PRIVATE,
        )
    except (outbound.Refused, outbound.Unreachable) as exc:
        return Answer(None, "", str(exc))
    return Answer(answer.status, answer.excerpt)
