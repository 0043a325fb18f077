"""Leads, how they came (touchpoints), what became of them (status history), and how
they are scored (shared by both teams)."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Now
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign, Channel, Variant
from crm.validators import refuse_bidi_controls


class Lead(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        MQL = "mql", "MQL"
        SAL = "sal", "SAL (accepted)"
        SQL = "sql", "SQL"
        WON = "won", "Won"
        LOST = "lost", "Lost"
        RECYCLED = "recycled", "Recycled"
        DISQUALIFIED = "disqualified", "Disqualified"

    class Fit(models.TextChoices):
        GOOD = "good", "Good"
        PARTIAL = "partial", "Partial"
        POOR = "poor", "Poor"

    class LostReason(models.TextChoices):
        PRICE = "price", "Price"
        COMPETITOR = "competitor", "Chose a competitor"
        NO_DECISION = "no_decision", "No decision"
        TIMING = "timing", "Timing"
        NO_BUDGET = "no_budget", "No budget"
        FEATURES = "features", "Missing features"
        OTHER = "other", "Other"

    first_name = models.CharField(max_length=100, blank=True, validators=[refuse_bidi_controls])
    last_name = models.CharField(max_length=100, blank=True, validators=[refuse_bidi_controls])
    # Stored lower-cased by the capture service; the constraint below is the real guard.
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=40, blank=True)
    company = models.CharField(max_length=200, blank=True, validators=[refuse_bidi_controls])
    title = models.CharField(max_length=200, blank=True, validators=[refuse_bidi_controls])
    industry = models.CharField(max_length=100, blank=True)
    company_size = models.PositiveIntegerField(null=True, blank=True, help_text="Employees")
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code")
    source = models.CharField("source channel", max_length=20, choices=Channel.choices, default=Channel.DIRECT)
    # db_index=False where a composite index of Meta.indexes starts with the column: a second
    # index would serve no lookup the composite does not, and costs every insert (bench/NOTES.md).
    first_touch_campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="first_touch_leads", db_index=False
    )
    last_touch_campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="last_touch_leads"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    score = models.IntegerField(default=0)
    fit = models.CharField(max_length=8, choices=Fit.choices, default=Fit.POOR)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_leads",
        db_index=False,  # lead_owner_status
    )
    deal_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    lost_reason = models.CharField(max_length=20, choices=LostReason.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    status_changed_at = models.DateTimeField(default=timezone.now)
    # Optimistic concurrency: every write through a service bumps it; a stale one is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_at"], name="lead_created_at"),
            # A plain b-tree: equality and IN only (db_index on a CharField adds a LIKE index too).
            models.Index(fields=["source"], name="lead_source"),
            models.Index(fields=["status", "-created_at"], name="lead_status_created"),
            # Looked up by an owner (never by a missing one), so unowned leads (every new one) stay out.
            models.Index(fields=["owner", "status"], name="lead_owner_status", condition=Q(owner__isnull=False)),
            models.Index(fields=["first_touch_campaign", "created_at"], name="lead_ftc_created"),
            # The lead list's other sort orders page by keyset (value, id): these keep a page
            # an index range scan at a million rows instead of a sort of the whole table.
            models.Index(fields=["score", "id"], name="lead_score_id"),
            models.Index(fields=["status_changed_at", "id"], name="lead_moved_id"),
            models.Index(fields=["company", "id"], name="lead_company_id"),
        ]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="lead_email_ci_unique"),
            models.CheckConstraint(
                condition=Q(deal_value__isnull=True) | Q(deal_value__gte=0), name="lead_deal_value_not_negative"
            ),
            # deal_value__isnull=False: a CHECK passes when it is NULL, and NULL > 0 is NULL.
            models.CheckConstraint(
                condition=~Q(status="won") | Q(deal_value__isnull=False, deal_value__gt=0),
                name="lead_won_has_deal_value",
            ),
            models.CheckConstraint(condition=~Q(status="lost") | ~Q(lost_reason=""), name="lead_lost_has_reason"),
        ]

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return reverse("leads:detail", args=[self.pk])

    @property
    def display_name(self):
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.email

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    def can_transition_to(self, to_status):
        return can_transition(self.status, to_status)

    def allowed_next_statuses(self):
        return sorted(TRANSITIONS[Lead.Status(self.status)], key=list(Lead.Status).index)


S = Lead.Status
# The lifecycle (README, "Lifecycle and roles"). Only leads.services.lead_transition moves a lead along it.
TRANSITIONS = {
    S.NEW: {S.MQL, S.DISQUALIFIED},
    S.MQL: {S.SAL, S.RECYCLED, S.DISQUALIFIED},
    S.SAL: {S.SQL, S.RECYCLED, S.LOST, S.DISQUALIFIED},
    S.SQL: {S.WON, S.LOST},
    S.RECYCLED: {S.MQL},
    S.LOST: {S.RECYCLED},
    S.WON: set(),
    S.DISQUALIFIED: set(),
}
OPEN_STATUSES = frozenset({S.SAL, S.SQL})


def can_transition(from_status, to_status):
    """Return whether the lifecycle allows moving from one status to the other."""
    try:
        return Lead.Status(to_status) in TRANSITIONS[Lead.Status(from_status)]
    except ValueError:
        return False


class LeadAlias(models.Model):
    """Another e-mail of a lead: what a merged duplicate was known by.

    Capture looks aliases up too, so a later form with the merged e-mail lands on the survivor.
    """

    email = models.EmailField(max_length=254)
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="aliases")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["email"]
        verbose_name_plural = "lead aliases"
        constraints = [models.UniqueConstraint(Lower("email"), name="leadalias_email_ci_unique")]

    def __str__(self):
        return f"{self.email} → {self.lead_id}"


class CaptureForm(models.Model):
    """A website form that posts leads to /api/v1/capture/<key>/."""

    name = models.CharField(max_length=200, validators=[refuse_bidi_controls])
    key = models.SlugField(max_length=64, unique=True, help_text="Public key used in the form's URL.")
    campaign = models.ForeignKey(
        Campaign,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="capture_forms",
        help_text="Default campaign for submissions without a known utm_campaign.",
    )
    allowed_origins = models.TextField(
        blank=True, help_text="One origin per line, e.g. https://www.example.com. Empty: same-origin posts only."
    )
    enabled = models.BooleanField(default=True)
    consent_required = models.BooleanField(
        "require consent", default=False, help_text="Submissions without the ticked consent box are refused."
    )
    consent_text = models.TextField(
        blank=True,
        max_length=2000,
        help_text="The words beside the consent box; each touchpoint keeps the text it showed.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @staticmethod
    def new_key():
        return secrets.token_urlsafe(12).replace("_", "").replace("-", "").lower()[:16]

    @property
    def consent_version(self):
        """Return the version of the consent text: a digest of it, so that any edit makes a new version."""
        return hashlib.sha256(self.consent_text.encode()).hexdigest()[:12] if self.consent_text else ""

    def origin_list(self):
        return [
            line.strip().rstrip("/") for line in self.allowed_origins.replace(",", "\n").splitlines() if line.strip()
        ]


class Touchpoint(models.Model):
    """One interaction of a lead with marketing (or named to sales by the buyer)."""

    class Kind(models.TextChoices):
        FORM = "form", "Website form"
        IMPORT = "import", "Import"
        MANUAL = "manual", "Entered by hand"
        API = "api", "API"
        SALES_REPORTED = "sales_reported", "Named by the buyer to sales"

    # touch_lead_time and touch_campaign_time serve the lookups by lead and by campaign.
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="touchpoints", db_index=False)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="touchpoints", db_index=False
    )
    # variant, form and recorded_by are blank on most touches (every import's): their indexes
    # (for lookups and SET_NULL on delete, always by a value) leave the blank ones out.
    variant = models.ForeignKey(
        Variant, null=True, blank=True, on_delete=models.SET_NULL, related_name="touchpoints", db_index=False
    )
    form = models.ForeignKey(
        CaptureForm, null=True, blank=True, on_delete=models.SET_NULL, related_name="touchpoints", db_index=False
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.FORM)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.DIRECT)
    utm_source = models.CharField(max_length=200, blank=True)
    utm_medium = models.CharField(max_length=200, blank=True)
    utm_campaign = models.CharField(max_length=200, blank=True)
    utm_content = models.CharField(max_length=200, blank=True)
    utm_term = models.CharField(max_length=200, blank=True)
    page_url = models.CharField(max_length=2000, blank=True)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )
    occurred_at = models.DateTimeField(default=timezone.now)
    # The consent given on a capture form: when, to which text (and its version); the source page is page_url.
    consent_at = models.DateTimeField(null=True, blank=True)
    # Database defaults too: the bulk import inserts touchpoints without naming these columns.
    consent_version = models.CharField(max_length=12, blank=True, default="", db_default="")
    consent_text = models.TextField(blank=True, default="", db_default="")

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["lead", "occurred_at"], name="touch_lead_time"),
            models.Index(
                fields=["lead", "-consent_at"], name="touch_lead_consent", condition=Q(consent_at__isnull=False)
            ),
            models.Index(fields=["campaign", "occurred_at"], name="touch_campaign_time"),
            models.Index(fields=["variant"], name="touch_variant", condition=Q(variant__isnull=False)),
            models.Index(fields=["form"], name="touch_form", condition=Q(form__isnull=False)),
            models.Index(fields=["recorded_by"], name="touch_recorded_by", condition=Q(recorded_by__isnull=False)),
        ]

    def __str__(self):
        return f"{self.lead_id} via {self.channel} at {self.occurred_at:%Y-%m-%d}"


class StatusChange(models.Model):
    """One move of a lead along the lifecycle. Written only by lead_transition; never edited."""

    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, related_name="status_changes", db_index=False
    )  # statuschange_lead_time
    from_status = models.CharField(max_length=12, choices=Lead.Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Lead.Status.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    changed_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["to_status", "changed_at"], name="statuschange_to_time"),
            models.Index(fields=["lead", "changed_at"], name="statuschange_lead_time"),
        ]

    def __str__(self):
        return f"{self.lead_id}: {self.from_status or '∅'} → {self.to_status}"


class Activity(models.Model):
    """A call, e-mail, meeting or note by a user on a lead, or a task with a due date."""

    class Kind(models.TextChoices):
        CALL = "call", "Call"
        EMAIL = "email", "E-mail"
        MEETING = "meeting", "Meeting"
        NOTE = "note", "Note"
        TASK = "task", "Task"

    CONTACT_KINDS = (Kind.CALL, Kind.EMAIL, Kind.MEETING)

    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, related_name="activities", db_index=False
    )  # activity_lead_time
    kind = models.CharField(max_length=10, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    # When it happened, as the user tells it (bounded: not before the lead, not after recording).
    occurred_at = models.DateTimeField(default=timezone.now)
    # When the server stored it: the clock of the service level (first contact), which no
    # caller sets; raw inserts (bench seeding) get the database's now().
    recorded_at = models.DateTimeField(default=timezone.now, db_default=Now(), editable=False)
    # Tasks only.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "activities"
        indexes = [
            models.Index(fields=["lead", "occurred_at"], name="activity_lead_time"),
            models.Index(fields=["assignee", "done_at", "due_at"], name="activity_task_due"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.lead_id}"

    @property
    def is_contact(self):
        return self.kind in self.CONTACT_KINDS


class IdealCustomerProfile(models.Model):
    """The fit criteria both teams share (one row), and the score that makes an MQL."""

    industries = models.JSONField(default=list, blank=True, help_text="Industries that fit, e.g. ['software'].")
    company_size_min = models.PositiveIntegerField(null=True, blank=True)
    company_size_max = models.PositiveIntegerField(null=True, blank=True)
    countries = models.JSONField(default=list, blank=True, help_text="ISO country codes that fit.")
    title_keywords = models.JSONField(default=list, blank=True, help_text="Words in a title that fit, e.g. 'head'.")
    mql_threshold = models.PositiveIntegerField(
        default=50, help_text="A new lead whose score reaches this becomes an MQL and is handed to sales."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name = "ideal customer profile"

    def __str__(self):
        return "Ideal customer profile"

    @classmethod
    def current(cls):
        """Return the one profile, creating the default on first use."""
        profile, _ = cls.objects.get_or_create(pk=1)
        return profile


class ScoringRule(models.Model):
    """Points a lead earns when one of its fields matches."""

    class Field(models.TextChoices):
        INDUSTRY = "industry", "Industry"
        COMPANY_SIZE = "company_size", "Company size"
        COUNTRY = "country", "Country"
        TITLE = "title", "Title"
        COMPANY = "company", "Company"
        SOURCE = "source", "Source channel"
        EMAIL_DOMAIN = "email_domain", "E-mail domain"
        PHONE = "phone", "Phone"

    class Operator(models.TextChoices):
        EQUALS = "equals", "equals"
        CONTAINS = "contains", "contains"
        IN = "in", "is one of"
        GTE = "gte", "≥"
        LTE = "lte", "≤"
        PRESENT = "present", "is filled in"

    name = models.CharField(max_length=200, blank=True, validators=[refuse_bidi_controls])
    field = models.CharField(max_length=20, choices=Field.choices)
    operator = models.CharField(max_length=10, choices=Operator.choices)
    value = models.CharField(max_length=500, blank=True, help_text="For 'is one of': comma-separated values.")
    points = models.IntegerField()
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-points", "field"]

    def __str__(self):
        return self.name or f"{self.get_field_display()} {self.get_operator_display()} {self.value}: {self.points:+d}"


class VersionRow(models.Model):
    """A table of one row whose number database triggers change with every write to what it
    versions, so that a process may keep what it read for as long as the number stays the same."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    number = models.BigIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self._meta.verbose_name.capitalize()} {self.number}"


class ScoringVersion(VersionRow):
    """One row whose number changes with every write to the scoring rules or the profile.

    Database triggers (migration 0005) set it on any INSERT, UPDATE, DELETE or TRUNCATE of
    either table, whatever wrote it: the ORM, a queryset update, the admin, raw SQL. On
    PostgreSQL the number comes from a sequence, so it is never handed out twice, not even
    after a rollback. Every process may keep the scoring configuration it loaded for as long
    as this number stays the same (leads.scoring.ScoringConfig.current).
    """

    class Meta:
        verbose_name = "scoring version"


class CaptureConfigVersion(VersionRow):
    """One row whose number changes with every write to the capture forms or to a campaign's
    archived flag: what, besides the scoring, decides how a website capture is answered.

    Database triggers (migration 0011) set it whatever wrote the row, as ScoringVersion's do.
    A process may answer captures from a form it read earlier while this number and the
    scoring version stay the same: the capture's statement compares both (leads.capture).
    """

    class Meta:
        verbose_name = "capture configuration version"


class ImportJob(models.Model):
    """A CSV file of leads being imported by a Celery task, with its progress and bad rows."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    processed_rows = models.PositiveIntegerField(default=0)
    created_leads = models.PositiveIntegerField(default=0)
    updated_leads = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    # [{"line": 7, "email": "...", "errors": "..."}]; bounded by the task.
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Import {self.original_name} ({self.state})"

    @property
    def percent(self):
        if not self.total_rows:
            return 100 if self.state == self.State.DONE else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))
