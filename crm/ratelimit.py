"""Fixed-window counters in the cache, for limits on things other than the API (password reset).

A window is named by its number (``time // length``) in the key, so every process agrees on it
and a counter is incremented atomically (cache ``add`` then ``incr``: Redis INCR). A cache that
is down lets the request through, as the capture limits do, and says so in the log.
"""

import logging
import re
import time

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(s|sec|second|m|min|minute|h|hour|d|day)\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(text, *, name="rate"):
    """Return (count, seconds) of a rate written like ``3/hour`` or ``20/h``."""
    match = _RATE.match(text or "")
    if not match:
        raise ImproperlyConfigured(f"{name} must read like 3/hour or 20/minute, not {text!r}.")
    return int(match.group(1)), _SECONDS[match.group(2)[0]]


def within_rate(scope, ident, rate, *, now=None):
    """Count one use of ``scope`` by ``ident`` and return whether it stays within ``rate``."""
    count, seconds = parse_rate(rate, name=scope)
    window = int((now if now is not None else time.time()) // seconds)
    key = f"ratelimit:{scope}:{ident}:{window}"
    try:
        cache.add(key, 0, seconds + 1)
        used = cache.incr(key)
    except Exception:  # any cache backend's connection error: fail open, loudly
        logger.warning("Rate limit %r skipped: the cache is unavailable.", scope, exc_info=True)
        return True
    return used <= count
