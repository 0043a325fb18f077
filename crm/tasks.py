"""Celery tasks of the kernel: the liveness probe every worker answers."""

from celery import shared_task
from django.utils import timezone


@shared_task(name="crm.tasks.ping")
def ping():
    """Answer a liveness probe from a worker (`celery -A crm call crm.tasks.ping`)."""
    return {"pong": True, "at": timezone.now().isoformat()}
