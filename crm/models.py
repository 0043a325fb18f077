"""What the project package stores: weekly digests and their deliveries, quarterly goals."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Audience(models.TextChoices):
    MARKETING = "marketing", "Marketing"
    SALES = "sales", "Sales"
    MANAGERS = "managers", "Managers"


class Digest(models.Model):
    """The weekly digest of one audience for one ISO week, as it was built and sent."""

    class State(models.TextChoices):
        BUILT = "built", "Built"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        PARTIAL = "partial", "Partly failed"
        FAILED = "failed", "Failed"

    week = models.CharField(max_length=8, help_text="ISO week, e.g. 2026-W47")
    audience = models.CharField(max_length=10, choices=Audience.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.BUILT)
    subject = models.CharField(max_length=200)
    text_body = models.TextField()
    html_body = models.TextField()
    payload = models.JSONField(default=dict, help_text="The weekly numbers the digest was built from.")
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-week", "audience"]
        constraints = [models.UniqueConstraint(fields=["week", "audience"], name="digest_once_per_week_audience")]

    def __str__(self):
        return f"{self.get_audience_display()} digest {self.week}"


class DigestDelivery(models.Model):
    """One send of a digest to one recipient (e-mail) or webhook, claimed before it is sent."""

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        WEBHOOK = "webhook", "Webhook"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.CharField(max_length=500, help_text="E-mail address, or the audience name for a webhook.")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["digest", "channel", "recipient"]
        constraints = [
            models.UniqueConstraint(fields=["digest", "channel", "recipient"], name="delivery_once_per_recipient")
        ]

    def __str__(self):
        return f"{self.digest} → {self.recipient} ({self.state})"


class QuarterlyGoal(models.Model):
    """Targets managers set for a calendar quarter."""

    year = models.PositiveIntegerField()
    quarter = models.PositiveSmallIntegerField(choices=[(q, f"Q{q}") for q in range(1, 5)])
    mqls = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField("accepted leads", default=0)
    wins = models.PositiveIntegerField(default=0)
    revenue = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["year", "quarter"], name="goal_once_per_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="goal_quarter_1_to_4"),
            models.CheckConstraint(condition=Q(revenue__gte=0), name="goal_revenue_not_negative"),
        ]

    def __str__(self):
        return f"Goals {self.year}-Q{self.quarter}"
