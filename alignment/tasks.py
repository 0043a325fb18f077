"""Celery tasks of the weekly numbers: thin wrappers around alignment.digests and alignment.metrics.rollups.

Their names keep the `crm.tasks.` prefix they were queued under before the numbers moved to
this app: a message already in the broker (or the beat schedule of a running deployment) still
finds its task.
"""

from celery import shared_task
from django.conf import settings
from django.db import transaction

from alignment import digests
from alignment.metrics import rollups, weekly_metrics
from crm.weeks import Week


@shared_task(bind=True, name="crm.tasks.send_weekly_digests")
def send_weekly_digests(self, week=None, force=False):
    """Build the digests of the week (default: the week just ended) and queue each delivery not yet sent."""
    week = Week.parse(week) if week else Week.last_complete()
    ids = digests.weekly_digests_prepare(week=week, force=force)
    # Deliveries follow the queue this run came in on, so the workers serving it finish what it started.
    queue = (self.request.delivery_info or {}).get("routing_key")
    options = {"queue": queue} if queue else {}
    # Queued after commit, so a worker never looks for rows it cannot see yet.
    transaction.on_commit(lambda: [deliver_digest.apply_async((delivery_id,), **options) for delivery_id in ids])
    return {"week": week.label, "queued": len(ids)}


@shared_task(bind=True, name="crm.tasks.deliver_digest", max_retries=settings.DIGEST_MAX_RETRIES)
def deliver_digest(self, delivery_id):
    """Send one digest delivery; on failure retry with exponential backoff (the row records each failure)."""
    try:
        return digests.delivery_send(delivery_id=delivery_id)
    except digests.DeliveryFailed as exc:
        if self.request.retries >= self.max_retries:
            return "failed"
        raise self.retry(exc=exc, countdown=digests.retry_delay(self.request.retries)) from exc


@shared_task(name="crm.tasks.compact_rollup_changes")
def compact_rollup_changes():
    """Merge the change notes of stored weeks into one row per hour (their sums stay the same)."""
    if rollups.enabled():
        rollups.compact()


@shared_task(name="crm.tasks.store_last_week")
def store_last_week():
    """Compute the week just ended once, so the digests and Monday's dashboards read it stored (metrics.rollups)."""
    week = Week.last_complete()
    weekly_metrics(week)
    return {"week": week.label, "stored": rollups.enabled()}


@shared_task(name="alignment.tasks.send_unsent_digests")
def send_unsent_digests():
    """Queue the deliveries of recent weeks whose task was lost (the beat runs this every 15 minutes)."""
    ids = digests.unsent_sweep()
    transaction.on_commit(lambda: [deliver_digest.delay(delivery_id) for delivery_id in ids])
    return {"queued": len(ids)}
