"""Hand-offs from marketing to sales, and the agreement that times them."""

import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from crm.validators import refuse_bidi_controls
from handoffs.clock import ISO_WEEKDAYS, MIDNIGHT, WorkingCalendar
from leads.models import Lead


def validate_time_zone(value):
    if value and value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a time zone (try Europe/Berlin or America/New_York).")


def validate_weekdays(value):
    if not value or any(c not in "1234567" for c in value) or len(set(value)) != len(value):
        raise ValidationError("Give the working weekdays as digits 1 (Monday) to 7 (Sunday), each once.")


class ServiceLevel(models.Model):
    """The marketing-sales agreement (one row, managers edit it)."""

    hours_to_accept = models.PositiveIntegerField(default=24, help_text="Sales answers a hand-off within this.")
    hours_to_first_contact = models.PositiveIntegerField(
        default=48, help_text="The owner first calls, e-mails or meets an accepted lead within this."
    )
    weekly_mql_target = models.PositiveIntegerField(default=50, help_text="MQLs marketing delivers each week.")
    default_rep_capacity = models.PositiveIntegerField(
        default=25, help_text="Open leads (SAL and SQL) a rep can carry unless set per rep."
    )
    # Working hours: the service-level clocks count only this time (handoffs/clock.py).
    time_zone = models.CharField(
        max_length=64, blank=True, validators=[validate_time_zone], help_text="Empty: the TIME_ZONE setting."
    )
    working_days = models.CharField(
        max_length=7, default="12345", validators=[validate_weekdays], help_text="ISO weekdays, 1 = Monday."
    )
    day_starts_at = models.TimeField(default=datetime.time(9))
    day_ends_at = models.TimeField(default=datetime.time(17), help_text="00:00 means midnight at the day's end.")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    alerts_outside_working_hours = models.BooleanField(
        default=False,
        help_text="Send hand-off alerts, reminders and breach notices at any hour; off: they wait for working hours.",
    )

    class Meta:
        verbose_name = "service level"

    def __str__(self):
        return "Service level agreement"

    def clean(self):
        if self.day_ends_at != MIDNIGHT and self.day_ends_at <= self.day_starts_at:
            raise ValidationError({"day_ends_at": "The working day must end after it starts."})

    def calendar(self):
        """Return the team's working calendar, holidays included."""
        return WorkingCalendar(
            tz=zoneinfo.ZoneInfo(self.time_zone or settings.TIME_ZONE),
            weekdays={int(c) for c in self.working_days if c.isdigit() and int(c) in ISO_WEEKDAYS},
            start=self.day_starts_at,
            end=self.day_ends_at,
            holidays=Holiday.objects.values_list("date", flat=True),
        )

    def add_working_hours(self, start, hours):
        """Return the deadline ``hours`` working hours after ``start``."""
        return self.calendar().add_working(start, hours * 3600)

    @classmethod
    def current(cls):
        """Return the one service level, creating the default on first use."""
        level, _ = cls.objects.get_or_create(pk=1)
        return level


class Holiday(models.Model):
    """A day the team does not work: the service-level clocks stop for it."""

    date = models.DateField(unique=True)
    name = models.CharField(max_length=100, blank=True, validators=[refuse_bidi_controls])

    class Meta:
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}".strip()


class SalesRep(models.Model):
    """Assignment settings of a salesperson: whether they take hand-offs, and their capacity."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sales_rep")
    accepting = models.BooleanField(default=True, help_text="Off while on leave: no new hand-offs.")
    capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text="Open leads this rep can carry; empty: the service level's default."
    )
    # Round-robin cursor: the rep assigned longest ago goes next.
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user__username"]

    def __str__(self):
        return self.user.get_username()


class Handoff(models.Model):
    class Outcome(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    class RejectReason(models.TextChoices):
        NOT_ICP_FIT = "not_icp_fit", "Not an ICP fit"
        NO_BUDGET = "no_budget", "No budget"
        BAD_CONTACT_DATA = "bad_contact_data", "Bad contact data"
        DUPLICATE = "duplicate", "Duplicate"
        NOT_READY = "not_ready", "Not ready yet"
        OTHER = "other", "Other"

    # PROTECT: a lead with hand-off history is merged or kept, never silently deleted.
    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="handoffs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="handoffs_created"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="handoffs_received"
    )
    context_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    accept_deadline = models.DateTimeField()
    # No rep had room when it was created: it waits unassigned and counts as over capacity.
    over_capacity = models.BooleanField(default=False)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reject_reason = models.CharField(max_length=20, choices=RejectReason.choices, blank=True)
    feedback = models.TextField(blank=True)
    first_contact_deadline = models.DateTimeField(null=True, blank=True)
    first_contact_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_at"], name="handoff_created_at"),
            models.Index(fields=["assigned_to", "outcome"], name="handoff_assignee_outcome"),
            models.Index(fields=["outcome", "accept_deadline"], name="handoff_outcome_deadline"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["lead"], condition=Q(outcome="pending"), name="handoff_one_pending_per_lead"
            ),
            models.CheckConstraint(
                condition=~Q(outcome="rejected") | ~Q(reject_reason=""), name="handoff_rejected_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(outcome="pending") | Q(responded_at__isnull=False), name="handoff_answered_has_time"
            ),
        ]

    def __str__(self):
        return f"Hand-off of {self.lead} ({self.outcome})"

    @property
    def is_pending(self):
        return self.outcome == self.Outcome.PENDING

    def is_overdue(self, now=None):
        return self.is_pending and (now or timezone.now()) > self.accept_deadline

    def responded_in_time(self):
        return self.responded_at is not None and self.responded_at <= self.accept_deadline

    @property
    def recycles(self):
        """Whether this rejection sends the lead back to marketing rather than disqualifying it."""
        return self.reject_reason == self.RejectReason.NOT_READY


class Notification(models.Model):
    """One message about one hand-off to one recipient, claimed before it is sent.

    The unique constraint is the guard that makes a retried task send nothing twice.
    """

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", "Hand-off assigned"
        REMINDER = "reminder", "Accept deadline approaching"
        BREACH = "breach", "Accept deadline missed"

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        WEBHOOK = "webhook", "Personal webhook"

    class State(models.TextChoices):
        HELD = "held", "Held until working hours"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        # The send broke after the whole message went out (crm.delivery.MayHaveArrived): never sent again.
        UNKNOWN = "unknown", "Outcome unknown"

    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    state = models.CharField(max_length=10, choices=State.choices, default=State.SENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the last sender claimed the row (moved it to SENDING): a claim older than ALERT_CLAIM_TIMEOUT
    # whose sender never reported back is marked UNKNOWN by the periodic scan.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["handoff", "kind", "recipient", "channel"], name="notification_once_per_event_channel"
            )
        ]
        indexes = [models.Index(fields=["state"], name="notification_state")]

    def __str__(self):
        return f"{self.kind} for hand-off {self.handoff_id} to {self.recipient_id} by {self.channel}"


class AlertPreference(models.Model):
    """A user's own alert channel besides e-mail: a Slack-compatible incoming webhook."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_preference")
    webhook_url = models.URLField(
        "webhook URL", max_length=500, blank=True, help_text="A Slack-compatible incoming webhook (https://…)."
    )
    enabled = models.BooleanField(default=True, help_text="Post my hand-off alerts to this webhook.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "alert preference"

    def __str__(self):
        return f"Alerts of {self.user}"

    @property
    def posts_webhook(self):
        return self.enabled and bool(self.webhook_url)
