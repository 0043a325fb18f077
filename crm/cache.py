"""Django's Redis cache backend, keeping one redis-py client per connection pool.

django.core.cache.backends.redis builds a new ``redis.Redis`` for every operation, and
building one fills its table of response callbacks (some 170 entries): in a capture that
took about as much Python as the rest of the two rate limits' round trips. A client holds
no connection of its own (the pool does) and is safe to share, so one per pool is kept.
"""

from django.core.cache.backends.redis import RedisCache as _RedisCache
from django.core.cache.backends.redis import RedisCacheClient as _RedisCacheClient


class RedisCacheClient(_RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(_RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
