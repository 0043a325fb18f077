"""Celery tasks of hand-offs: thin, ids in, a service call, retried on transient errors."""

from celery import shared_task
from django.db import OperationalError

from handoffs import services


@shared_task(
    name="handoffs.tasks.handoff_for_new_mql",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def handoff_for_new_mql(lead_id):
    """Create the hand-off of a lead that became an MQL (safe to run twice)."""
    handoff = services.handoff_for_new_mql(lead_id=lead_id)
    return handoff.pk if handoff else None
