"""Celery tasks of the webhooks: thin, ids in, a service call."""

from celery import shared_task

from crm.queue import enqueue
from integrations import services


@shared_task(name="integrations.tasks.deliver_webhook", acks_late=True)
def deliver_webhook(delivery_id):
    """Attempt one delivery if it is due (a failure queues its own retry)."""
    return services.delivery_attempt(delivery_id=delivery_id)


@shared_task(name="integrations.tasks.sweep_webhooks")
def sweep_webhooks():
    """Queue every due delivery whose message was lost, and disable endpoints failing for a day."""
    due = services.deliveries_due()
    for delivery_id in due:
        enqueue("integrations.tasks.deliver_webhook", delivery_id)
    return {"queued": len(due), "disabled": services.endpoints_disable_failing()}
