"""A person's data in the webhooks: the bodies of the deliveries about a lead and their receivers' answers.

Registered with ``crm.personal_data`` so the privacy app exports and erases them without importing
this app. Erasure keeps each delivery row (its event, endpoint, times and attempts: the delivery log
still shows that something was sent) but replaces its body with ``ERASED_BODY`` and blanks every
answer excerpt; a delivery not yet delivered is marked erased and is never sent, retried or resent.
"""

from crm.personal_data import rows
from integrations.models import WebhookAttempt, WebhookDelivery

ERASED_BODY = '{"erased":true}'
UNSENT = [WebhookDelivery.State.PENDING, WebhookDelivery.State.FAILED, WebhookDelivery.State.SENDING]


def person_deliveries(lead_id):
    """Return the deliveries about the lead and their attempts, as JSON-ready rows."""
    return {
        "integrations.webhookdelivery": rows(WebhookDelivery.objects.filter(lead_id=lead_id)),
        "integrations.webhookattempt": rows(WebhookAttempt.objects.filter(delivery__lead_id=lead_id)),
    }


def person_deliveries_erase(lead_id):
    """Stop the lead's unsent deliveries, replace every body about it and blank its answers; return the counts."""
    deliveries = WebhookDelivery.objects.filter(lead_id=lead_id)
    stopped = deliveries.filter(state__in=UNSENT).update(state=WebhookDelivery.State.ERASED)
    bodies = deliveries.exclude(body=ERASED_BODY).update(body=ERASED_BODY)
    answers = (
        WebhookAttempt.objects.filter(delivery__lead_id=lead_id)
        .exclude(response_excerpt="")
        .update(response_excerpt="")
    )
    return {"webhook_bodies": bodies, "webhook_deliveries_stopped": stopped, "webhook_answers": answers}
