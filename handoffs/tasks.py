"""Celery tasks of hand-offs: thin, ids in, a service call, retried on transient errors."""

from celery import shared_task
from django.db import OperationalError

from handoffs import notifications, services


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


@shared_task(
    name="handoffs.tasks.handoffs_for_new_mqls",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def handoffs_for_new_mqls(lead_ids):
    """Create the hand-offs of a batch of new MQLs (safe to run twice: each is made once)."""
    return services.handoffs_for_new_mqls(lead_ids=lead_ids)


@shared_task(
    name="handoffs.tasks.send_handoff_notification",
    autoretry_for=(notifications.NotificationFailed, OperationalError),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=6,
)
def send_handoff_notification(handoff_id, kind, recipient_id, channel="email"):
    """Send one hand-off alert on one channel once: a retry re-claims only a failed message, never a sent one."""
    return notifications.notification_send(handoff_id=handoff_id, kind=kind, recipient_id=recipient_id, channel=channel)


@shared_task(name="handoffs.tasks.send_handoff_reminders", autoretry_for=(OperationalError,), max_retries=2)
def send_handoff_reminders():
    """Queue the reminders before accept deadlines, the breach alerts to managers and held alerts that are due now.

    Alerts whose sender died mid-send longer than ALERT_CLAIM_TIMEOUT ago are marked unknown first.
    """
    notifications.expired_claims_mark_unknown()
    due = notifications.notifications_due()
    for handoff_id, kind, recipient_id, channel in due:
        send_handoff_notification.delay(handoff_id, kind, recipient_id, channel)
    return len(due)


@shared_task(name="handoffs.tasks.route_unrouted_mqls", autoretry_for=(OperationalError,), max_retries=2)
def route_unrouted_mqls():
    """Hand off every MQL whose hand-off was never queued (a broker outage at the time)."""
    return services.handoffs_for_unrouted_mqls()
