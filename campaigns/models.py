"""Campaigns, their A/B variants and what they cost."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from crm.validators import refuse_bidi_controls, validate_business_date, validate_name_text


class Channel(models.TextChoices):
    """Where a lead or campaign comes from. ``direct`` is for touches with no utm data."""

    EMAIL = "email", "E-mail"
    PAID_SEARCH = "paid_search", "Paid search"
    PAID_SOCIAL = "paid_social", "Paid social"
    ORGANIC_SOCIAL = "organic_social", "Organic social"
    CONTENT = "content", "Content"
    EVENTS = "events", "Events"
    WEBINAR = "webinar", "Webinar"
    REFERRAL = "referral", "Referral"
    DIRECT_MAIL = "direct_mail", "Direct mail"
    OTHER = "other", "Other"
    DIRECT = "direct", "Direct"


CAMPAIGN_CHANNELS = [choice for choice in Channel.choices if choice[0] != Channel.DIRECT]


class Campaign(models.Model):
    class Objective(models.TextChoices):
        AWARENESS = "awareness", "Awareness"
        LEAD_GENERATION = "lead_generation", "Lead generation"
        NURTURE = "nurture", "Nurture"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        COMPLETED = "completed", "Completed"

    name = models.CharField(max_length=200, validators=[validate_name_text, refuse_bidi_controls])
    slug = models.SlugField(max_length=100, unique=True)
    channel = models.CharField(max_length=20, choices=CAMPAIGN_CHANNELS)
    objective = models.CharField(max_length=20, choices=Objective.choices, default=Objective.LEAD_GENERATION)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED, db_index=True)
    start_date = models.DateField(validators=[validate_business_date])
    end_date = models.DateField(null=True, blank=True, validators=[validate_business_date])
    budget = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="campaigns"
    )
    audience_notes = models.TextField(blank=True)
    utm_campaign = models.CharField(
        "utm_campaign key", max_length=100, unique=True, help_text="The utm_campaign value that attributes to it."
    )
    archived = models.BooleanField(default=False, help_text="Hidden from pickers; kept for its history.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(budget__gte=0), name="campaign_budget_not_negative"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="campaign_ends_after_start",
            ),
            # Attribution matches utm_campaign case-insensitively: two keys differing in case
            # would make a touch's campaign depend on which row the database returns first.
            models.UniqueConstraint(
                Lower("utm_campaign"),
                name="campaign_utm_campaign_ci_unique",
                violation_error_message="Another campaign already uses this utm_campaign key (in any case).",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        # The detail page shows what became of the campaign's leads, which campaigns may not
        # read, so crm routes it (crm/marketing_urls.py) at /campaigns/<slug>/.
        return reverse("marketing:campaign-detail", args=[self.slug])

    def clean(self):
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The end date cannot be before the start date."})


class Variant(models.Model):
    """A named concept of a campaign (A, B, …), matched by utm_content."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="variants")
    name = models.CharField(max_length=100, validators=[validate_name_text, refuse_bidi_controls])
    utm_content = models.CharField(max_length=100)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["campaign", "name"]
        constraints = [
            # Matched case-insensitively, as utm_campaign is.
            models.UniqueConstraint(
                "campaign",
                Lower("utm_content"),
                name="variant_utm_content_ci_unique",
                violation_error_message="Another variant of this campaign already uses this utm_content value.",
            ),
            models.UniqueConstraint(fields=["campaign", "name"], name="variant_name_unique"),
        ]

    def __str__(self):
        return f"{self.campaign} · {self.name}"


class Spend(models.Model):
    """Actual cost of a campaign on a day, so cost figures are right for any week."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="spend")
    date = models.DateField(validators=[validate_business_date])
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-date"]
        indexes = [models.Index(fields=["date", "campaign"], name="spend_date_campaign")]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="spend_amount_not_negative")]

    def __str__(self):
        return f"{self.campaign} {self.date}: {self.amount}"
