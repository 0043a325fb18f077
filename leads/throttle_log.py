"""The capture endpoint's rate limits in one Redis round trip.

DRF's SimpleRateThrottle keeps each limit's history (the times of the requests it admitted in
its window) as a pickled list in the cache: a read, then a write. On Redis the same log is kept
as a sorted set of those times and one script (EVALSHA) applies every limit of a request:
drop the times older than the window, refuse when as many remain as the rate allows, else add
this request's time and renew the key's expiry. The decisions are DRF's: the same pruning
(``<= now - duration``), the same count and the same ``wait()``, computed from the count and
the oldest time left (tests compare the two request by request).
"""

import itertools
import os

from django.core.cache.backends.redis import RedisCache
from django.utils.connection import ConnectionProxy

# KEYS: one sorted set per limit. ARGV: now, a member prefix unique to this request, then per
# limit its window (seconds) and its number of requests. Returns per limit {admitted, count
# before this request, oldest time left} (times as strings: Redis would truncate a number).
_SCRIPT = """
local now = tonumber(ARGV[1])
local result = {}
for i, key in ipairs(KEYS) do
  local duration = tonumber(ARGV[1 + 2 * i])
  local limit = tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - duration)
  local count = redis.call('ZCARD', key)
  local oldest = ARGV[1]
  if count > 0 then oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2] end
  local admitted = 0
  if count < limit then
    redis.call('ZADD', key, ARGV[1], ARGV[2] .. ':' .. i)
    redis.call('EXPIRE', key, math.ceil(duration))
    admitted = 1
  end
  result[i] = {admitted, count, oldest}
end
return result
"""

_members = itertools.count()
_scripts = {}


def _backend(cache):
    """The cache itself for ``django.core.cache.cache`` (DRF's throttles hold that proxy)."""
    if isinstance(cache, ConnectionProxy):
        return cache._connections[cache._alias]
    return cache


def supported(cache):
    """Return whether the cache is Django's Redis backend (or crm.cache's, a subclass of it)."""
    return isinstance(_backend(cache), RedisCache)


def _script(cache):
    client = _backend(cache)._cache.get_client(write=True)
    found = _scripts.get(id(client))
    if found is None or found[0] is not client:
        found = _scripts[id(client)] = (client, client.register_script(_SCRIPT))
    return found[1]


def apply(cache, throttles, now):
    """Apply the throttles (keys set) in one round trip; return the waits of those that refused.

    Each throttle's ``history`` and ``now`` are set as DRF's allow_request leaves them, so its
    ``wait()`` answers as DRF's does (only the history's length and oldest time are read)."""
    keys = [cache.make_key(f"{throttle.key}:log") for throttle in throttles]
    args = [repr(now), f"{os.getpid()}:{next(_members)}:{now!r}"]
    for throttle in throttles:
        args += [throttle.duration, throttle.num_requests]
    answers = _script(cache)(keys=keys, args=args)
    waits = []
    for throttle, (admitted, count, oldest) in zip(throttles, answers, strict=True):
        throttle.now = now
        throttle.history = [float(oldest)] * int(count)
        if not admitted:
            waits.append(throttle.wait())
    return waits
