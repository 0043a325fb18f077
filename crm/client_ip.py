"""The address of the client behind a request, the one every per-client limit counts.

``X-Forwarded-For`` is written by whoever sends the request: only the entries appended by the
proxies we run can be believed. ``TRUSTED_PROXY_COUNT`` says how many there are in front of
Tandem (0: none, the peer address ``REMOTE_ADDR`` is the client). With N proxies, each appends
the address it received the request from, so the client is the N-th entry from the right and
anything to its left is the client's own claim. The capture rate limits, the API throttles (DRF's
``NUM_PROXIES``), the password-reset limit and the sign-in lock-out (axes) all read it here.
"""

from django.conf import settings


def client_ip(request):
    """Return the client's address: REMOTE_ADDR, or the trusted proxies' entry of X-Forwarded-For."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count <= 0 or not forwarded:
        return remote
    entries = [entry.strip() for entry in forwarded.split(",") if entry.strip()]
    if not entries:
        return remote
    # Fewer entries than proxies: the request skipped a proxy; the leftmost is the best we know.
    return entries[-min(count, len(entries))]
