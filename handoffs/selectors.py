"""Reads of hand-offs and of sales' pipeline, each with its related rows fetched up front.

A page built from these issues the same number of queries for 3 rows as for 300.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, Case, Count, IntegerField, Max, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from handoffs.models import Handoff, Notification, SalesRep, ServiceLevel
from handoffs.notifications import MAX_ATTEMPTS
from handoffs.services import sales_reps
from leads.models import OPEN_STATUSES, Lead, Touchpoint

ANSWERED_DAYS = 14
RECENT_TOUCH_DAYS = 30
CLOSED_DAYS = 30
BOARD_STATUSES = (Lead.Status.SAL, Lead.Status.SQL, Lead.Status.WON, Lead.Status.LOST)
BOARD_CARDS_PER_COLUMN = 100
# Team settings lists the alerts not delivered of the last UNDELIVERED_ALERT_DAYS, the newest first.
UNDELIVERED_ALERT_DAYS = 30
UNDELIVERED_ALERTS_SHOWN = 20


def _count_subquery(queryset, outer_field):
    counted = (
        queryset.filter(**{outer_field: OuterRef("pk")})
        .order_by()
        .values(outer_field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _with_summary(queryset, now):
    """Fetch the lead, its first-touch campaign and the people in one query, with the lead's recent touchpoints."""
    recent = Touchpoint.objects.filter(
        lead=OuterRef("lead_id"), occurred_at__gte=now - datetime.timedelta(days=RECENT_TOUCH_DAYS)
    )
    recent_count = recent.order_by().values("lead").annotate(n=Count("pk")).values("n")
    return queryset.select_related(
        "lead", "lead__first_touch_campaign", "assigned_to", "created_by", "responded_by"
    ).annotate(recent_touchpoints=Coalesce(Subquery(recent_count, output_field=IntegerField()), Value(0)))


def handoffs_pending_for(*, user, now=None):
    """Return the pending hand-offs assigned to the user, the most urgent first."""
    now = now or timezone.now()
    queryset = Handoff.objects.filter(outcome=Handoff.Outcome.PENDING, assigned_to=user)
    return _with_summary(queryset, now).order_by("accept_deadline", "pk")


def handoffs_answered_for(*, user, now=None, days=ANSWERED_DAYS):
    """Return the hand-offs the user answered, or that were assigned to them and answered, in the last days."""
    now = now or timezone.now()
    queryset = Handoff.objects.exclude(outcome=Handoff.Outcome.PENDING).filter(
        Q(assigned_to=user) | Q(responded_by=user), responded_at__gte=now - datetime.timedelta(days=days)
    )
    return _with_summary(queryset, now).order_by("-responded_at", "-pk")


@dataclass(frozen=True)
class HandoffFilter:
    """What the team view of hand-offs is narrowed to."""

    rep: str = ""  # "" any, "unassigned", or a user id
    outcome: str = ""  # "" any, or an Outcome value
    overdue: bool = False
    days: int | None = ANSWERED_DAYS  # answered within; None: ever


def _filtered(filters):
    queryset = Handoff.objects.all()
    if filters.rep == "unassigned":
        queryset = queryset.filter(assigned_to__isnull=True)
    elif filters.rep:
        queryset = queryset.filter(assigned_to_id=filters.rep)
    if filters.outcome:
        queryset = queryset.filter(outcome=filters.outcome)
    return queryset


def handoffs_pending(*, filters=HandoffFilter(), now=None):
    """Return the pending hand-offs matching the filter (overdue ones only, if asked), the most urgent first."""
    now = now or timezone.now()
    if filters.outcome and filters.outcome != Handoff.Outcome.PENDING:
        return Handoff.objects.none()
    queryset = _filtered(filters).filter(outcome=Handoff.Outcome.PENDING)
    if filters.overdue:
        queryset = queryset.filter(accept_deadline__lt=now)
    return _with_summary(queryset, now).order_by("accept_deadline", "pk")


def handoffs_answered(*, filters=HandoffFilter(), now=None):
    """Return the answered hand-offs matching the filter, the latest answer first."""
    now = now or timezone.now()
    if filters.overdue or filters.outcome == Handoff.Outcome.PENDING:
        # Overdue is a property of waiting hand-offs only.
        return Handoff.objects.none()
    queryset = _filtered(filters).exclude(outcome=Handoff.Outcome.PENDING)
    if filters.days is not None:
        queryset = queryset.filter(responded_at__gte=now - datetime.timedelta(days=filters.days))
    return _with_summary(queryset, now).order_by("-responded_at", "-pk")


def handoffs_for_export(*, filters=HandoffFilter(), now=None):
    """Return every hand-off matching the filter (answered ones within its period), newest first."""
    now = now or timezone.now()
    queryset = _filtered(filters)
    if filters.overdue:
        queryset = queryset.filter(outcome=Handoff.Outcome.PENDING, accept_deadline__lt=now)
    if filters.days is not None:
        queryset = queryset.filter(
            Q(outcome=Handoff.Outcome.PENDING) | Q(responded_at__gte=now - datetime.timedelta(days=filters.days))
        )
    return queryset.select_related("lead", "lead__first_touch_campaign", "assigned_to", "created_by").order_by(
        "-created_at", "-pk"
    )


def handoff_latest_id():
    """Return the id of the newest hand-off (0 when there is none): the team view polls for those after it."""
    return Handoff.objects.aggregate(latest=Max("pk"))["latest"] or 0


def handoffs_unassigned(*, now=None):
    """Return the pending hand-offs nobody had room for, the oldest first."""
    now = now or timezone.now()
    queryset = Handoff.objects.filter(outcome=Handoff.Outcome.PENDING, assigned_to__isnull=True)
    return _with_summary(queryset, now).order_by("created_at", "pk")


def handoff_with_summary(*, pk, now=None):
    """Return one hand-off with the same summary the inbox shows."""
    return _with_summary(Handoff.objects.filter(pk=pk), now or timezone.now()).get()


@dataclass
class RepLoad:
    user: object
    accepting: bool
    capacity: int
    capacity_is_default: bool
    open_leads: int
    pending: int

    @property
    def load(self):
        return self.open_leads + self.pending

    @property
    def percent(self):
        if not self.capacity:
            return 100
        return min(100, round(100 * self.load / self.capacity))

    @property
    def has_room(self):
        return self.accepting and self.load < self.capacity


def rep_load_rows(*, level=None):
    """Return each active sales rep's open leads and pending hand-offs against their capacity, by username."""
    level = level or ServiceLevel.current()
    User = get_user_model()
    rep_rows = {rep.user_id: rep for rep in SalesRep.objects.filter(user__in=sales_reps())}
    users = (
        User.objects.filter(pk__in=sales_reps().values("pk"))
        .annotate(
            open_leads=_count_subquery(Lead.objects.filter(status__in=OPEN_STATUSES), "owner"),
            pending=_count_subquery(Handoff.objects.filter(outcome=Handoff.Outcome.PENDING), "assigned_to"),
        )
        .order_by("username")
    )
    rows = []
    for user in users:
        rep = rep_rows.get(user.pk)
        custom = rep is not None and rep.capacity is not None
        rows.append(
            RepLoad(
                user=user,
                accepting=rep.accepting if rep is not None else True,
                capacity=rep.capacity if custom else level.default_rep_capacity,
                capacity_is_default=not custom,
                open_leads=user.open_leads,
                pending=user.pending,
            )
        )
    return rows


@dataclass
class Column:
    status: str
    label: str
    count: int = 0
    total: Decimal = Decimal("0")
    cards: list = field(default_factory=list)

    @property
    def hidden(self):
        return self.count - len(self.cards)


def _board_leads(*, owner, now):
    recent = now - datetime.timedelta(days=CLOSED_DAYS)
    queryset = Lead.objects.filter(
        Q(status__in=OPEN_STATUSES) | Q(status__in=(Lead.Status.WON, Lead.Status.LOST), status_changed_at__gte=recent)
    )
    if owner is not None:
        queryset = queryset.filter(owner=owner)
    return queryset


def pipeline_board(*, owner=None, now=None, per_column=BOARD_CARDS_PER_COLUMN):
    """Return the columns SAL, SQL, won and lost (closed in the last 30 days) of the owner's leads (anyone's: None).

    One aggregate query for the totals and one query per column, whatever the number of cards.
    """
    now = now or timezone.now()
    leads = _board_leads(owner=owner, now=now)
    aggregates = {}
    for status in BOARD_STATUSES:
        aggregates[f"{status}_count"] = Count("pk", filter=Q(status=status))
        aggregates[f"{status}_total"] = Sum("deal_value", filter=Q(status=status))
    totals = leads.aggregate(**aggregates)
    columns = []
    for status in BOARD_STATUSES:
        column = Column(
            status=status,
            label=Lead.Status(status).label,
            count=totals[f"{status}_count"] or 0,
            total=totals[f"{status}_total"] or Decimal("0"),
        )
        # Queried even when empty, so the page's cost does not depend on the data.
        cards = list(
            leads.filter(status=status)
            .select_related("owner", "first_touch_campaign")
            .order_by("-status_changed_at", "-pk")[:per_column]
        )
        for card in cards:
            card.days_in_stage = max(0, (now - card.status_changed_at).days)
            card.next_statuses = card.allowed_next_statuses()
        column.cards = cards
        columns.append(column)
    return columns


@dataclass
class UndeliveredAlerts:
    """The alerts of the last ``days`` that did not arrive, or may not have: counts and the newest rows."""

    days: int
    failed: int
    unknown: int
    rows: list

    @property
    def total(self):
        return self.failed + self.unknown


def undelivered_alerts(*, now=None, days=UNDELIVERED_ALERT_DAYS, limit=UNDELIVERED_ALERTS_SHOWN):
    """Return the failed and unknown-outcome alerts raised in the last ``days``, each marked if it is retried."""
    now = now or timezone.now()
    State = Notification.State
    undelivered = Notification.objects.filter(
        state__in=[State.FAILED, State.UNKNOWN], created_at__gte=now - datetime.timedelta(days=days)
    )
    counts = dict(undelivered.order_by().values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    # The periodic scan tries a failed alert again while its hand-off waits and it has attempts left.
    retried = Q(state=State.FAILED, attempts__lt=MAX_ATTEMPTS, handoff__outcome=Handoff.Outcome.PENDING)
    rows = (
        undelivered.select_related("handoff__lead", "recipient")
        .annotate(retried=Case(When(retried, then=Value(True)), default=Value(False), output_field=BooleanField()))
        .order_by("-created_at", "-pk")[:limit]
    )
    return UndeliveredAlerts(
        days=days, failed=counts.get(State.FAILED, 0), unknown=counts.get(State.UNKNOWN, 0), rows=list(rows)
    )
