"""Writes of the webhooks: endpoints, the deliveries an event makes, and each attempt to send one."""

import datetime
import json
import time
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from crm.audit import ObjectType, audit_record
from crm.queue import enqueue_on_commit
from integrations import payloads, transport
from integrations.models import EVENT_TYPES, WebhookAttempt, WebhookDelivery, WebhookEndpoint, new_secret

DELIVER_TASK = "integrations.tasks.deliver_webhook"
RETRY_FOR = datetime.timedelta(days=1)  # a delivery is retried for a day, then given up
DISABLE_AFTER = datetime.timedelta(days=1)  # an endpoint failing for a day is disabled
MAX_BACKOFF = datetime.timedelta(hours=2)
CLAIM_TIMEOUT = datetime.timedelta(minutes=5)  # a sender that died mid-attempt releases its claim after this


class _Subscriptions:
    """Which event types any active endpoint wants, remembered for ``TTL`` seconds per process.

    Every lead capture (and every row of an import) announces an event; without this, each would
    cost a query even when no endpoint is registered. Endpoint writes through the services forget
    it at once in their process; another process sees a new endpoint within ``TTL`` seconds. A
    stale "yes" costs one query that finds no endpoint, and is then forgotten.
    """

    TTL = 30.0

    def __init__(self):
        self.forget()

    def forget(self):
        self._types, self._read_at = None, 0.0

    def wanted(self, event_type):
        if self._types is None or time.monotonic() - self._read_at > self.TTL:
            types = set()
            for chosen in WebhookEndpoint.objects.filter(active=True).values_list("events", flat=True):
                types.update(chosen)
            self._types, self._read_at = types, time.monotonic()
        return event_type in self._types


subscriptions = _Subscriptions()


def _clean_events(chosen):
    chosen = list(dict.fromkeys(chosen or []))
    unknown = [value for value in chosen if value not in EVENT_TYPES]
    if unknown or not chosen:
        raise ValidationError({"events": f"Choose one or more of: {', '.join(EVENT_TYPES)}."})
    return chosen


def _save_endpoint(endpoint):
    try:
        transport.check_url(endpoint.url)
    except ValidationError as exc:
        raise ValidationError({"url": exc.messages}) from None
    endpoint.events = _clean_events(endpoint.events)
    endpoint.full_clean()
    endpoint.save()
    transaction.on_commit(subscriptions.forget)
    subscriptions.forget()
    return endpoint


def endpoint_create(*, actor, url, events, format=WebhookEndpoint.Format.JSON, description="", active=True):
    """Register an endpoint owned by ``actor``; its secret is generated here."""
    return _save_endpoint(
        WebhookEndpoint(
            url=url, events=events, format=format, description=description.strip(), active=active, owner=actor
        )
    )


def endpoint_update(*, endpoint, actor, **changes):
    """Change an endpoint's url, events, format, description or active flag (re-enabling clears the failure)."""
    allowed = {"url", "events", "format", "description", "active"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
    if changes.get("active") and not endpoint.active:
        endpoint.failing_since = endpoint.disabled_at = None
        endpoint.disabled_reason = ""
    for field, value in changes.items():
        setattr(endpoint, field, value)
    return _save_endpoint(endpoint)


def endpoint_rotate_secret(*, endpoint, actor, now=None):
    """Give the endpoint a new secret; the replaced one also signs for ``WEBHOOK_SECRET_GRACE_HOURS``.

    Rotating again within the grace keeps only the secret just replaced: a receiver holding the
    one before it must take the new secret. The audit entry records the rotation and the end of the
    grace, never a secret.
    """
    now = now or timezone.now()
    grace = datetime.timedelta(hours=settings.WEBHOOK_SECRET_GRACE_HOURS)
    with transaction.atomic():
        # Locked so two rotations at once cannot both keep the same "previous" secret.
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        before = locked.previous_secret_expires_at
        if grace:
            locked.previous_secret, locked.previous_secret_expires_at = locked.secret, now + grace
        else:
            locked.previous_secret, locked.previous_secret_expires_at = "", None
        locked.secret = new_secret()
        locked.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
        audit_record(
            object_type=ObjectType.WEBHOOK_ENDPOINT,
            object_id=locked.pk,
            action="secret rotated",
            changes={"previous_secret_expires_at": {"old": before, "new": locked.previous_secret_expires_at}},
            user=actor,
            at=now,
        )
    endpoint.secret = locked.secret
    endpoint.previous_secret = locked.previous_secret
    endpoint.previous_secret_expires_at = locked.previous_secret_expires_at
    return endpoint


def endpoint_delete(*, endpoint, actor):
    """Delete the endpoint with its deliveries and their log."""
    endpoint.delete()
    subscriptions.forget()


def deliveries_record(event):
    """Write one pending delivery per active endpoint wanting ``event`` and queue each after the commit.

    Runs in the transaction that emitted the event: a rollback leaves no delivery and sends nothing.
    """
    return deliveries_record_many([event])


def deliveries_record_many(batch):
    """Record the deliveries of many events (the bulk import's rows): one read of the endpoints, one
    of the leads the events name by id, and one insert, whatever the number of events."""
    batch = [event for event in batch if subscriptions.wanted(event.type)]
    if not batch:
        return []
    # Chosen in Python: JSON containment is not a lookup SQLite (the embedded default) has; endpoints are few.
    active = list(WebhookEndpoint.objects.filter(active=True))
    wanting = [(event, [endpoint for endpoint in active if event.type in endpoint.events]) for event in batch]
    wanting = [(event, endpoints) for event, endpoints in wanting if endpoints]
    if not wanting:
        subscriptions.forget()
        return []
    leads = payloads.leads_read([event for event, _ in wanting])
    rows = []
    for event, endpoints in wanting:
        event_id = uuid.uuid4()
        body = payloads.encode(payloads.envelope(event, event_id, leads))
        lead_id = payloads.lead_id(event)
        rows += [
            WebhookDelivery(
                endpoint=endpoint,
                event_id=event_id,
                event_type=event.type,
                lead_id=lead_id,
                body=body,
                created_at=event.at,
                next_attempt_at=event.at,
            )
            for endpoint in endpoints
        ]
    deliveries = WebhookDelivery.objects.bulk_create(rows)
    for delivery in deliveries:
        enqueue_on_commit(DELIVER_TASK, delivery.pk, robust=True)
    return deliveries


# crm.events.listened asks it: no endpoint wants the event, so the handler writes nothing.
deliveries_record.wants = subscriptions.wanted
# crm.events.emit_many hands it a whole batch.
deliveries_record.many = deliveries_record_many


def backoff(attempts):
    """Return the wait after failed attempt number ``attempts``: the base, doubled each time, capped."""
    seconds = settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return min(datetime.timedelta(seconds=seconds), MAX_BACKOFF)


def _due(now):
    return Q(state__in=[WebhookDelivery.State.PENDING, WebhookDelivery.State.FAILED], next_attempt_at__lte=now) | Q(
        state=WebhookDelivery.State.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT
    )


def _request_body(delivery):
    if delivery.endpoint.format == WebhookEndpoint.Format.SLACK:
        return payloads.encode(payloads.slack_message(json.loads(delivery.body))).encode()
    return delivery.body.encode()


def delivery_attempt(*, delivery_id, now=None):
    """Claim a due delivery and send it once; return the new state, or "skipped" when it was not due.

    The claim is a conditional update, so two workers never send one attempt twice. A failure is
    retried with backoff until the delivery is a day old; an endpoint failing for a day is disabled.
    """
    now = now or timezone.now()
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, endpoint__active=True)
        .filter(_due(now))
        .update(state=WebhookDelivery.State.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    body = _request_body(delivery)
    timestamp = int(now.timestamp())
    headers = {
        transport.SIGNATURE_HEADER: transport.sign(endpoint.signing_secrets(now), timestamp, body),
        "X-Tandem-Event": delivery.event_type,
        "X-Tandem-Delivery": str(delivery.event_id),
        "User-Agent": "Tandem-Webhooks/1",
    }
    answer = transport.post(endpoint.url, body, headers)
    with transaction.atomic():
        if _erased_meanwhile(delivery):
            return WebhookDelivery.State.ERASED
        WebhookAttempt.objects.create(
            delivery=delivery,
            at=now,
            status_code=answer.status,
            ok=answer.ok,
            error=answer.error or ("" if answer.ok else f"answered {answer.status}"),
            response_excerpt=answer.excerpt,
        )
        if answer.ok:
            delivery.state, delivery.delivered_at = WebhookDelivery.State.DELIVERED, now
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
        else:
            retry_at = now + backoff(delivery.attempts)
            gave_up = retry_at - delivery.created_at > RETRY_FOR
            delivery.state = WebhookDelivery.State.GAVE_UP if gave_up else WebhookDelivery.State.FAILED
            delivery.next_attempt_at = retry_at
            _note_failure(endpoint, now)
        delivery.save(update_fields=["state", "delivered_at", "next_attempt_at"])
    if delivery.state == WebhookDelivery.State.FAILED:
        enqueue_on_commit(DELIVER_TASK, delivery.pk, countdown=(delivery.next_attempt_at - now).total_seconds())
    return delivery.state


def _erased_meanwhile(delivery):
    """Whether the person was erased while this attempt was in flight: then its answer is not kept."""
    state = WebhookDelivery.objects.select_for_update().values_list("state", flat=True).get(pk=delivery.pk)
    return state == WebhookDelivery.State.ERASED


def _note_failure(endpoint, now):
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
    endpoint.refresh_from_db(fields=["failing_since", "active"])
    if endpoint.active and now - endpoint.failing_since >= DISABLE_AFTER:
        endpoint_disable(endpoint=endpoint, now=now, reason="Every delivery failed for a day.")


def endpoint_disable(*, endpoint, now, reason):
    """Disable a failing endpoint and e-mail its owner, once (a conditional update claims the disabling)."""
    disabled = WebhookEndpoint.objects.filter(pk=endpoint.pk, active=True).update(
        active=False, disabled_at=now, disabled_reason=reason
    )
    if not disabled:
        return False
    subscriptions.forget()
    endpoint.refresh_from_db()
    owner = endpoint.owner
    if owner is not None and owner.email:
        context = {"endpoint": endpoint, "site_url": settings.SITE_URL, "reason": reason}
        subject = " ".join(render_to_string("integrations/email/endpoint_disabled_subject.txt", context).split())
        body = render_to_string("integrations/email/endpoint_disabled_body.txt", context)
        transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [owner.email]))
    return True


def delivery_resend(*, delivery, actor, now=None):
    """Send the delivery again now (same event id, so a receiver can tell it is a repeat)."""
    now = now or timezone.now()
    if not delivery.endpoint.active:
        raise ValidationError("The endpoint is disabled: enable it before resending.")
    if delivery.state == WebhookDelivery.State.ERASED:
        raise ValidationError("The person this delivery was about is erased: it is never sent again.")
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=WebhookDelivery.State.PENDING, next_attempt_at=now, created_at=now, claimed_at=None
    )
    enqueue_on_commit(DELIVER_TASK, delivery.pk)


def endpoints_disable_failing(*, now=None):
    """Disable the active endpoints that have failed for a day (their retries may have stopped first)."""
    now = now or timezone.now()
    failing = WebhookEndpoint.objects.filter(active=True, failing_since__lte=now - DISABLE_AFTER)
    return sum(
        endpoint_disable(endpoint=endpoint, now=now, reason="Every delivery failed for a day.") for endpoint in failing
    )


def deliveries_due(*, now=None, limit=500):
    """Return the ids of deliveries whose next attempt is due (the sweep's safety net for lost messages)."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(endpoint__active=True).filter(_due(now)).values_list("pk", flat=True)[:limit]
    )
