"""The Redis cache backend keeps one client per pool and still works as Django's."""

import pytest
from django.core.cache import caches
from django.test import override_settings

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_cache(settings):
    if not settings.CACHES["default"]["BACKEND"].endswith("crm.cache.RedisCache"):
        pytest.skip("REDIS_URL is not set")
    return caches["default"]


def test_one_client_serves_every_operation(redis_cache):
    inner = redis_cache._cache
    assert inner.get_client(write=True) is inner.get_client("any", write=True)
    redis_cache.set_many({"crm-cache-a": [1.5], "crm-cache-b": "x"}, 30)
    assert redis_cache.get_many(["crm-cache-a", "crm-cache-b", "crm-cache-none"]) == {
        "crm-cache-a": [1.5],
        "crm-cache-b": "x",
    }
    redis_cache.delete("crm-cache-n")
    assert redis_cache.add("crm-cache-n", 1, 30)
    assert redis_cache.incr("crm-cache-n") == 2
    redis_cache.delete_many(["crm-cache-a", "crm-cache-b", "crm-cache-n"])
    assert redis_cache.get("crm-cache-a") is None


def test_an_unreachable_server_still_raises_for_callers_to_degrade():
    broken = {
        "default": {
            "BACKEND": "crm.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    with override_settings(CACHES=broken), pytest.raises(Exception):  # noqa: B017 (redis' ConnectionError)
        caches["default"].get("anything")
