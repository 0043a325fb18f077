"""System checks of the deployment's settings that no single setting can refuse on its own."""

from django.conf import settings
from django.core import checks

from crm.env import redis_database


@checks.register(checks.Tags.caches)
def cache_apart_from_broker(app_configs, **kwargs):
    """Warn when the cache and the Celery broker share one Redis database: a cache clear drops queued tasks."""
    cache_url, broker_url = getattr(settings, "REDIS_CACHE_URL", ""), settings.CELERY_BROKER_URL
    if not cache_url or not broker_url.startswith(("redis://", "rediss://", "unix://")):
        return []
    if redis_database(cache_url) != redis_database(broker_url):
        return []
    return [
        checks.Warning(
            "The cache and the Celery broker use the same Redis database: clearing the cache, or Redis "
            "evicting its keys, drops queued tasks.",
            hint="Point REDIS_CACHE_URL at another database number (or unset it: the broker's next one).",
            id="crm.W001",
        )
    ]
