"""System checks of the digests' settings."""

from django.conf import settings
from django.core import checks


@checks.register()
def digest_claim_outlives_redelivery(app_configs, **kwargs):
    """Refuse a DIGEST_CLAIM_TIMEOUT that ends before the broker may redeliver a claimed delivery's task.

    The broker hands an unacknowledged task to another worker after BROKER_VISIBILITY_TIMEOUT; the task
    may then run as late as CELERY_TASK_TIME_LIMIT after that. A claim must still hold then.
    """
    redelivered_by = settings.BROKER_VISIBILITY_TIMEOUT + settings.CELERY_TASK_TIME_LIMIT
    if redelivered_by < settings.DIGEST_CLAIM_TIMEOUT:
        return []
    return [
        checks.Error(
            f"DIGEST_CLAIM_TIMEOUT ({settings.DIGEST_CLAIM_TIMEOUT} s) must be longer than BROKER_VISIBILITY_TIMEOUT "
            f"plus the task time limit ({redelivered_by} s): a redelivered digest task would find its claim expired.",
            hint=f"Set DIGEST_CLAIM_TIMEOUT above {redelivered_by}, or unset it (twice BROKER_VISIBILITY_TIMEOUT).",
            id="alignment.E001",
        )
    ]
