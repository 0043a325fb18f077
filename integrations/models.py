"""Outbound webhooks: the endpoints managers register, one delivery per (event, endpoint), and its attempts."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from crm import events

EVENT_CHOICES = [
    (events.LEAD_CREATED, "Lead created"),
    (events.LEAD_STATUS_CHANGED, "Lead status changed"),
    (events.LEAD_WON, "Lead won"),
    (events.LEAD_LOST, "Lead lost"),
    (events.HANDOFF_CREATED, "Hand-off created"),
    (events.HANDOFF_ACCEPTED, "Hand-off accepted"),
    (events.HANDOFF_REJECTED, "Hand-off rejected"),
    (events.CAMPAIGN_CREATED, "Campaign created"),
    (events.CAMPAIGN_CHANGED, "Campaign changed"),
    (events.REPORT_STORED, "Weekly report stored"),
]
EVENT_TYPES = [value for value, _ in EVENT_CHOICES]


def new_secret():
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    class Format(models.TextChoices):
        JSON = "json", "JSON, signed"
        SLACK = "slack", "Slack-compatible message"

    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=100, default=new_secret, help_text="Signs every delivery (HMAC-SHA256).")
    # The secret a rotation replaced: deliveries carry its signature too until it expires, so a
    # receiver can switch to the new one without refusing a delivery in between.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    events = models.JSONField(default=list, help_text="The event types sent to this endpoint.")
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.JSON)
    active = models.BooleanField(default=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    # Set by the first failed attempt after a success; a day of failures disables the endpoint.
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.url

    def previous_secret_signs_until(self, now):
        """Return when the previous secret stops signing, or None when it no longer signs at ``now``."""
        expires = self.previous_secret_expires_at
        return expires if self.previous_secret and expires and now < expires else None

    def signing_secrets(self, now):
        """Return the secrets that sign a delivery at ``now``: the current one, then the previous one in its grace."""
        if self.previous_secret_signs_until(now):
            return [self.secret, self.previous_secret]
        return [self.secret]

    def event_labels(self):
        labels = dict(EVENT_CHOICES)
        return [labels.get(value, value) for value in self.events]


class WebhookDelivery(models.Model):
    """One event for one endpoint. The body is fixed when the event happens; every attempt sends it again."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed, will retry"
        GAVE_UP = "gave_up", "Gave up"
        ERASED = "erased", "Erased, never sent again"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(default=uuid.uuid4)
    event_type = models.CharField(max_length=40)
    # The lead the body is about (lead and hand-off events), so erasing the person finds its deliveries.
    lead_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    body = models.TextField(help_text="The exact JSON sent and signed.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_delivery_once_per_endpoint")
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self):
        return f"{self.event_type} → {self.endpoint_id}"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    error = models.CharField(max_length=300, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"
