"""The cache and the Celery broker live in separate Redis databases: clearing the cache (or Redis
evicting cache keys) leaves the queued tasks in the broker.

Each check runs Tandem in a subprocess configured only by its environment (REDIS_URL, and
REDIS_CACHE_URL when set), against a private redis-server.
"""

import pytest
import redis

from crm.env import redis_database, redis_next_db
from tests.reliability.services import app_env, current_database_url, manage

pytestmark = [pytest.mark.redis, pytest.mark.slow]
QUEUE = "cache-apart"
CLEAR_THE_CACHE = f"""
from django.core.cache import cache
from crm.celery import app
app.send_task("crm.tasks.ping", queue="{QUEUE}")
cache.set("kept-apart", 1, 60)
assert cache.get("kept-apart") == 1
cache.clear()
"""


def _env(private_redis, var_dir, **extra):
    return app_env(database_url=current_database_url(), redis_url=private_redis.url, var_dir=var_dir, **extra)


def test_clearing_the_cache_keeps_the_queued_tasks(private_redis, var_dir):
    manage("shell", "-c", CLEAR_THE_CACHE, env=_env(private_redis, var_dir))
    broker = redis.Redis.from_url(private_redis.url)
    assert broker.llen(QUEUE) == 1  # the task is still queued
    assert redis.Redis.from_url(redis_next_db(private_redis.url)).dbsize() == 0  # the cache was cleared


def test_a_cache_sharing_the_brokers_database_is_warned_about(private_redis, var_dir):
    shared = manage("check", env=_env(private_redis, var_dir, REDIS_CACHE_URL=private_redis.url))
    assert "crm.W001" in shared.stderr + shared.stdout
    apart = manage("check", env=_env(private_redis, var_dir))
    assert "crm.W001" not in apart.stderr + apart.stdout


@pytest.mark.parametrize(
    ("url", "cache_url"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/1"),
        ("redis://:secret@redis.example.com:6380", "redis://:secret@redis.example.com:6380/1"),
        ("rediss://redis.example.com/4?ssl_cert_reqs=required", "rediss://redis.example.com/5?ssl_cert_reqs=required"),
        ("unix:///run/redis.sock?db=2", "unix:///run/redis.sock?db=3"),
    ],
)
def test_the_default_cache_url_is_the_brokers_next_database(url, cache_url):
    assert redis_next_db(url) == cache_url
    server, number = redis_database(url)
    assert redis_database(cache_url) == (server, number + 1)
