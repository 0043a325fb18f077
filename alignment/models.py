"""What the weekly numbers store: digests and their deliveries, quarterly goals, stored weeks."""

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
        db_table = "crm_digest"  # the table kept its name when the model moved from crm
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
        # The sender stopped after claiming it: the message may have arrived. Only a manager resends it.
        UNKNOWN = "unknown", "Outcome unknown"

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
        db_table = "crm_digestdelivery"  # the table kept its name when the model moved from crm
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
        db_table = "crm_quarterlygoal"  # the table kept its name when the model moved from crm
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["year", "quarter"], name="goal_once_per_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="goal_quarter_1_to_4"),
            models.CheckConstraint(condition=Q(revenue__gte=0), name="goal_revenue_not_negative"),
        ]

    def __str__(self):
        return f"Goals {self.year}-Q{self.quarter}"


class WeekRollup(models.Model):
    """The week-local figures of one complete week, stored so a report reads one row, not the week's rows.

    alignment.metrics.rollups writes and checks these rows: a row is used only while the changes noted in
    RollupChange over the times it was computed from add up to the stamps it was stored with.
    """

    week = models.CharField(max_length=8, help_text="ISO week, e.g. 2026-W47")
    time_zone = models.CharField(max_length=64, help_text="TIME_ZONE the week's bounds were computed in")
    week_stamp = models.BigIntegerField(help_text="Changes noted over the week's own times when computed")
    quarter_stamp = models.BigIntegerField(
        null=True, help_text="Changes noted from the quarter's start to the week's start (the goals read them)"
    )
    computed_for = models.DateTimeField(help_text="The 'now' the figures were computed for")
    valid_until = models.DateTimeField(null=True, help_text="A deadline after which a pending hand-off turns a breach")
    hours_to_first_contact = models.PositiveIntegerField(help_text="The service level the contact figures used")
    point = models.JSONField(help_text="The week's trend figures (without spend, which is always read live)")
    detail = models.JSONField(null=True, help_text="Everything the report shows of the week, when computed as W")
    stored_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "crm_weekrollup"  # the table kept its name when the model moved from crm
        constraints = [models.UniqueConstraint(fields=["week", "time_zone"], name="rollup_once_per_week_zone")]

    def __str__(self):
        return f"Rollup {self.week} ({self.time_zone})"


class RollupChange(models.Model):
    """An append-only note, written by database triggers, that rows of an hour changed after the fact.

    Rows are only ever added (or merged by compaction into one row per hour with the same sum),
    so the sum over a range of hours grows with every change and never shrinks.
    """

    hour = models.DateTimeField(help_text="The start of the hour the changed rows' times fall in")
    n = models.PositiveBigIntegerField(default=1)

    class Meta:
        db_table = "crm_rollupchange"  # the table kept its name when the model moved from crm
        indexes = [models.Index(fields=["hour"], name="rollupchange_hour")]

    def __str__(self):
        return f"{self.n} change(s) at {self.hour:%Y-%m-%d %H:00}"
