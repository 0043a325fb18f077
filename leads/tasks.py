"""Celery tasks of leads."""

from celery import shared_task
from django.db import OperationalError

from leads import services


@shared_task(name="leads.tasks.scores_recompute", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def scores_recompute():
    """Recompute every lead's score and fit after the rules or the profile changed."""
    return services.scores_recompute()
