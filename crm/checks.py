"""System checks of the deployment's settings that no single setting can refuse on its own."""

from django.conf import settings
from django.core import checks

from crm.env import redis_database


def claim_outlives_redelivery(*, setting, check_id, what):
    """Return an Error when the claim timeout named ``setting`` ends before the broker may redeliver a claimed task.

    The broker hands an unacknowledged task to another worker after BROKER_VISIBILITY_TIMEOUT; the task
    may then run as late as CELERY_TASK_TIME_LIMIT after that. A claim must still hold then, or the
    redelivered task of a worker that died mid-send would find it expired. Used by the apps' own checks.
    """
    timeout = getattr(settings, setting)
    redelivered_by = settings.BROKER_VISIBILITY_TIMEOUT + settings.CELERY_TASK_TIME_LIMIT
    if redelivered_by < timeout:
        return []
    return [
        checks.Error(
            f"{setting} ({timeout} s) must be longer than BROKER_VISIBILITY_TIMEOUT plus the task time limit "
            f"({redelivered_by} s): a redelivered {what} task would find its claim expired.",
            hint=f"Set {setting} above {redelivered_by}, or unset it (twice BROKER_VISIBILITY_TIMEOUT).",
            id=check_id,
        )
    ]


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
