"""The weekly numbers: the one place that computes them (DESIGN.md, "The weekly numbers").

The dashboard, the report API and the digests all call :func:`weekly_metrics`. It runs a
fixed number of grouped aggregate queries over the rows of the nine weeks it reports (the
week and the eight before it, for the trend), whatever the number of leads: each query
groups by a week index and a handful of low-cardinality columns, using the week windows of
:mod:`crm.weeks`. On PostgreSQL the figures of complete weeks are stored (:mod:`crm.rollups`)
and read back while none of the rows they came from has changed; spend, capacity and the
goal targets are always read live.

Definitions (README, "Weekly numbers"):

* new leads: leads created in W; every lead enters ``new`` once, at creation, so the
  funnel's ``new`` is the same count;
* funnel: distinct leads entering each status in W (StatusChange.to_status);
* hand-offs: those created in W, by their outcome now; acceptance rate =
  accepted / (accepted + rejected);
* service level: of hand-offs created in W, the share answered by the accept deadline
  among those decided (answered, or still pending past the deadline: a breach);
  first contact in time likewise for accepted ones (deadline: the hand-off's
  first_contact_deadline, else answer time + ServiceLevel.hours_to_first_contact);
* outcomes: leads entering won (revenue = deal value) and lost in W;
* attribution of that revenue: first touch = lead.source; last touch = the channel of
  the last touchpoint at or before the lead's (latest) entry into sql; linear = equal
  shares over the touchpoints up to the win. A lead without such touchpoints credits
  its source, so each model adds up to the week's revenue;
* campaigns: by first-touch campaign, every campaign with spend, new leads, MQLs or wins
  in W; cost per lead = spend / new leads, cost per win = spend / wins,
  ROI = (revenue − spend) / spend (null when spend is 0);
* capacity: active users in the sales group, their open leads (sal, sql) now against
  SalesRep.capacity or the default, and hand-offs assigned to them created in W.
"""

import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    DecimalField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from campaigns.models import Channel, Spend
from crm import rollups
from crm.models import QuarterlyGoal
from crm.roles import SALES
from crm.weeks import Quarter, Week
from handoffs.models import Handoff, ServiceLevel
from leads.models import OPEN_STATUSES, Lead, StatusChange, Touchpoint

TREND_WEEKS = 8
ZERO = Decimal("0")
CENT = Decimal("0.01")
ATTRIBUTION_MODELS = ("first_touch", "last_touch", "linear")
FUNNEL_STATUSES = [s.value for s in Lead.Status]
S = Lead.Status


# --- Result types ------------------------------------------------------------------------


@dataclass
class NewLeads:
    total: int = 0
    by_source: dict = field(default_factory=dict)
    by_campaign: dict = field(default_factory=dict)


@dataclass
class Handoffs:
    created: int = 0
    accepted: int = 0
    rejected: int = 0
    pending: int = 0
    acceptance_rate: float | None = None
    rejected_by_reason: dict = field(default_factory=dict)
    median_hours_to_accept: float | None = None
    over_capacity: int = 0
    received_by_rep: dict = field(default_factory=dict)  # user id -> hand-offs assigned to them created in W


@dataclass
class ServiceLevelFigures:
    responded_in_time_rate: float | None = None
    first_contact_in_time_rate: float | None = None
    responded_in_time: int = 0
    breaches: int = 0
    mqls: int = 0
    mql_target: int = 0


@dataclass
class Outcomes:
    won: int = 0
    revenue: Decimal = ZERO
    lost: int = 0
    lost_by_reason: dict = field(default_factory=dict)
    won_by_source: dict = field(default_factory=dict)
    revenue_by_source: dict = field(default_factory=lambda: {model: {} for model in ATTRIBUTION_MODELS})


@dataclass
class CampaignFigures:
    slug: str
    name: str
    spend: Decimal = ZERO
    new_leads: int = 0
    mqls: int = 0
    wins: int = 0
    revenue: Decimal = ZERO

    @property
    def cost_per_lead(self):
        return _money_ratio(self.spend, self.new_leads)

    @property
    def cost_per_win(self):
        return _money_ratio(self.spend, self.wins)

    @property
    def roi(self):
        if not self.spend:
            return None
        return _rate((self.revenue - self.spend) / self.spend)


@dataclass
class RepCapacity:
    rep: str
    name: str
    open_leads: int
    capacity: int
    handoffs_received: int

    @property
    def free(self):
        return max(self.capacity - self.open_leads, 0)

    @property
    def load(self):
        return _rate(Decimal(self.open_leads) / self.capacity) if self.capacity else None


@dataclass
class CapacitySummary:
    capacity: int = 0
    open_leads: int = 0
    free_seats: int = 0
    mqls: int = 0
    waiting_unassigned: int = 0

    @property
    def flooded(self):
        """Whether the week's MQL inflow exceeds the seats sales has free."""
        return self.mqls > self.free_seats


@dataclass
class TrendPoint:
    """The headline figures of one week (the API's trend entry, plus what the charts need)."""

    week: Week
    new_leads: int = 0
    mqls: int = 0
    accepted: int = 0
    rejected: int = 0
    won: int = 0
    revenue: Decimal = ZERO
    spend: Decimal = ZERO
    responded_in_time: int = 0
    breaches: int = 0
    new_leads_by_source: dict = field(default_factory=dict)

    @property
    def acceptance_rate(self):
        return _share(self.accepted, self.accepted + self.rejected)

    @property
    def responded_in_time_rate(self):
        return _share(self.responded_in_time, self.responded_in_time + self.breaches)

    @property
    def cost_per_lead(self):
        return _money_ratio(self.spend, self.new_leads)


@dataclass
class GoalLine:
    key: str
    label: str
    actual: object
    target: object
    money: bool = False

    @property
    def progress(self):
        return _rate(Decimal(self.actual) / Decimal(self.target)) if self.target else None


@dataclass
class GoalProgress:
    quarter: Quarter
    start: datetime.datetime
    until: datetime.datetime
    elapsed: float  # share of the quarter behind us at `until`, 0..1
    has_goal: bool
    lines: list


@dataclass
class WeeklyMetrics:
    week: Week
    start: datetime.datetime
    end: datetime.datetime
    computed_at: datetime.datetime
    new_leads: NewLeads
    funnel: dict
    mqls_by_source: dict
    handoffs: Handoffs
    service_level: ServiceLevelFigures
    outcomes: Outcomes
    campaigns: list
    capacity: list
    capacity_summary: CapacitySummary
    spend: Decimal
    trend: list  # the TREND_WEEKS weeks before W, oldest first
    this_week: TrendPoint  # W's own headline figures, for week-over-week change
    goals: GoalProgress

    @property
    def complete(self):
        """Whether W had ended when the numbers were computed (else: the week so far)."""
        return self.computed_at >= self.end

    @property
    def cost_per_lead(self):
        return _money_ratio(self.spend, self.new_leads.total)

    @property
    def previous(self):
        return self.trend[-1] if self.trend else None

    @property
    def chart_weeks(self):
        """The trend and W itself: nine weeks, oldest first."""
        return [*self.trend, self.this_week]

    def as_json(self):
        """Return the numbers in the report API's shape (DESIGN.md, "Interfaces")."""
        return {
            "week": self.week.label,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "new_leads": {
                "total": self.new_leads.total,
                "by_source": dict(self.new_leads.by_source),
                "by_campaign": dict(self.new_leads.by_campaign),
            },
            "funnel": dict(self.funnel),
            "handoffs": {
                "created": self.handoffs.created,
                "accepted": self.handoffs.accepted,
                "rejected": self.handoffs.rejected,
                "pending": self.handoffs.pending,
                "acceptance_rate": self.handoffs.acceptance_rate,
                "rejected_by_reason": dict(self.handoffs.rejected_by_reason),
                "median_hours_to_accept": self.handoffs.median_hours_to_accept,
            },
            "service_level": {
                "responded_in_time_rate": self.service_level.responded_in_time_rate,
                "first_contact_in_time_rate": self.service_level.first_contact_in_time_rate,
                "breaches": self.service_level.breaches,
                "mqls": self.service_level.mqls,
                "mql_target": self.service_level.mql_target,
            },
            "outcomes": {
                "won": self.outcomes.won,
                "revenue": money_str(self.outcomes.revenue),
                "lost": self.outcomes.lost,
                "lost_by_reason": dict(self.outcomes.lost_by_reason),
                "revenue_by_source": {
                    model: {source: money_str(amount) for source, amount in by_source.items()}
                    for model, by_source in self.outcomes.revenue_by_source.items()
                },
            },
            "campaigns": [
                {
                    "slug": row.slug,
                    "spend": money_str(row.spend),
                    "new_leads": row.new_leads,
                    "mqls": row.mqls,
                    "wins": row.wins,
                    "revenue": money_str(row.revenue),
                    "cost_per_lead": money_str(row.cost_per_lead),
                    "cost_per_win": money_str(row.cost_per_win),
                    "roi": row.roi,
                }
                for row in self.campaigns
            ],
            "capacity": [
                {
                    "rep": row.rep,
                    "open_leads": row.open_leads,
                    "capacity": row.capacity,
                    "handoffs_received": row.handoffs_received,
                }
                for row in self.capacity
            ],
            "trend": [
                {
                    "week": point.week.label,
                    "new_leads": point.new_leads,
                    "mqls": point.mqls,
                    "acceptance_rate": point.acceptance_rate,
                    "won": point.won,
                    "revenue": money_str(point.revenue),
                }
                for point in self.trend
            ],
        }


# --- Formatting helpers ----------------------------------------------------------------------


def money_str(amount):
    """Render money as a string with two places (None stays None)."""
    if amount is None:
        return None
    return str(Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP))


def _rate(value):
    return float(round(Decimal(value), 4))


def _share(part, whole):
    return _rate(Decimal(part) / Decimal(whole)) if whole else None


def _money_ratio(amount, count):
    if not count:
        return None
    return (Decimal(amount) / count).quantize(CENT, rounding=ROUND_HALF_UP)


def _sorted_counts(counter):
    """Largest first, then by key, dropping zeros: stable for JSON and charts."""
    return {key: value for key, value in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])) if value}


# --- The computation ------------------------------------------------------------------------


def _in(field_name, week):
    return Q(**{f"{field_name}__gte": week.start, f"{field_name}__lt": week.end})


def _on_days(field_name, week):
    return Q(**{f"{field_name}__gte": week.first_day, f"{field_name}__lte": week.last_day})


def _bucket(field_name, weeks, within=None):
    """Return the index of the week a row's ``field_name`` falls in (weeks are contiguous, oldest first).

    ``within`` tells whether the field falls in a week (default: the week's times; _on_days for dates).

    Grouping by this index counts every week in one pass with one aggregate per figure,
    where a ``FILTER`` per week and figure made PostgreSQL sort the rows once per aggregate.
    """
    within = within or _in
    return Case(
        *[When(within(field_name, w), then=Value(i)) for i, w in enumerate(weeks)],
        default=Value(-1),
        output_field=IntegerField(),
    )


def _only_in(week, time_field, value_field):
    """Return ``value_field`` for rows of the week and NULL for the others (detail for W alone)."""
    return Case(When(_in(time_field, week), then=F(value_field)), default=Value(None), output_field=CharField())


@dataclass
class WeekFigures:
    """What the nine weeks' rows say, before spend, capacity and goal targets are added (those are read live).

    crm.rollups stores this for complete weeks and gives it back while nothing it read has changed.
    """

    points: list  # a TrendPoint per week, oldest first, W last (spend not yet added)
    new_leads: NewLeads
    funnel: dict
    mqls_by_source: dict
    handoffs: Handoffs
    service_level: ServiceLevelFigures  # mqls and target not yet added
    outcomes: Outcomes
    campaigns: dict  # slug -> CampaignFigures (spend not yet added)
    goal_totals: dict  # quarter to date up to the end of W: mqls, accepted, wins, revenue
    valid_until: list  # per week: the moment after which time alone changes its figures (a deadline), or None


def weekly_metrics(week=None, *, now=None):
    """Return every weekly number of the week (default: the last complete one) as a WeeklyMetrics."""
    now = now or timezone.now()
    week = week or Week.last_complete(now)
    weeks = [week.shift(offset) for offset in range(-TREND_WEEKS, 1)]  # oldest first; W is last
    level = ServiceLevel.current()
    stored = rollups.read(weeks, now=now, level=level)
    figures = stored.figures if stored else None
    if figures is None:
        figures = week_figures(weeks, level=level, now=now)
        if stored:
            stored.save(figures)
    points = figures.points
    W = len(weeks) - 1
    spend = _spend(weeks, points, figures.campaigns)
    capacity, capacity_summary = _capacity(level, figures.handoffs.received_by_rep)

    service_level = figures.service_level
    service_level.mqls = points[W].mqls
    service_level.mql_target = level.weekly_mql_target
    capacity_summary.mqls = points[W].mqls
    campaign_rows = sorted(
        (row for row in figures.campaigns.values() if row.spend or row.new_leads or row.mqls or row.wins),
        key=lambda row: (-row.spend, -row.new_leads, row.slug),
    )
    return WeeklyMetrics(
        week=week,
        start=week.start,
        end=week.end,
        computed_at=now,
        new_leads=figures.new_leads,
        funnel=figures.funnel,
        mqls_by_source=figures.mqls_by_source,
        handoffs=figures.handoffs,
        service_level=service_level,
        outcomes=figures.outcomes,
        campaigns=campaign_rows,
        capacity=capacity,
        capacity_summary=capacity_summary,
        spend=spend,
        trend=points[:W],
        this_week=points[W],
        goals=_goal_progress(week, now, figures.goal_totals),
    )


def week_figures(weeks, *, level, now):
    """Compute the figures of ``weeks`` (oldest first; the last is W, reported in detail) from their rows."""
    W = len(weeks) - 1
    points = [TrendPoint(week=w) for w in weeks]
    new_leads, campaigns = _new_leads(weeks, points)
    funnel, mqls_by_source, outcomes = _status_changes(weeks, points, campaigns, new_leads)
    handoffs, service_level, valid_until = _handoffs(weeks, points, level, now)
    handoffs.median_hours_to_accept = _median_hours_to_accept(weeks[W])
    _attribute_revenue(weeks[W], outcomes)
    return WeekFigures(
        points=points,
        new_leads=new_leads,
        funnel=funnel,
        mqls_by_source=mqls_by_source,
        handoffs=handoffs,
        service_level=service_level,
        outcomes=outcomes,
        campaigns=campaigns,
        goal_totals=_goal_totals(weeks[W]),
        valid_until=valid_until,
    )


def _campaign(campaigns, slug, name):
    if slug not in campaigns:
        campaigns[slug] = CampaignFigures(slug=slug, name=name)
    return campaigns[slug]


def _new_leads(weeks, points):
    """One grouped query: leads created per week by source, and W's by first-touch campaign."""
    W = len(weeks) - 1
    rows = (
        Lead.objects.filter(created_at__gte=weeks[0].start, created_at__lt=weeks[-1].end)
        .annotate(
            bucket=_bucket("created_at", weeks),
            slug=_only_in(weeks[W], "created_at", "first_touch_campaign__slug"),
            campaign_name=_only_in(weeks[W], "created_at", "first_touch_campaign__name"),
        )
        .values("bucket", "source", "slug", "campaign_name")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_source = defaultdict(int)
    by_campaign = defaultdict(int)
    campaigns = {}
    for row in rows:
        point, count, source = points[row["bucket"]], row["n"], row["source"]
        point.new_leads += count
        point.new_leads_by_source[source] = point.new_leads_by_source.get(source, 0) + count
        if row["bucket"] != W:
            continue
        by_source[source] += count
        slug = row["slug"]
        if slug:
            by_campaign[slug] += count
            _campaign(campaigns, slug, row["campaign_name"]).new_leads += count
    total = points[W].new_leads
    return NewLeads(
        total=total, by_source=_sorted_counts(by_source), by_campaign=_sorted_counts(by_campaign)
    ), campaigns


def _status_changes(weeks, points, campaigns, new_leads):
    """One grouped query: distinct leads entering each status per week, with revenue of wins."""
    entered = [S.MQL, S.SAL, S.SQL, S.WON, S.LOST, S.RECYCLED, S.DISQUALIFIED]
    W = len(weeks) - 1
    # to_status IN (...) lets the (to_status, changed_at) index serve the time range. Past weeks
    # group by (week, status) alone; W's rows also by the lead's source, reason and campaign.
    rows = (
        StatusChange.objects.filter(to_status__in=entered, changed_at__gte=weeks[0].start, changed_at__lt=weeks[-1].end)
        .annotate(
            bucket=_bucket("changed_at", weeks),
            source=_only_in(weeks[W], "changed_at", "lead__source"),
            lost_reason=_only_in(weeks[W], "changed_at", "lead__lost_reason"),
            slug=_only_in(weeks[W], "changed_at", "lead__first_touch_campaign__slug"),
            campaign_name=_only_in(weeks[W], "changed_at", "lead__first_touch_campaign__name"),
        )
        .values("bucket", "to_status", "source", "lost_reason", "slug", "campaign_name")
        .annotate(n=Count("lead", distinct=True), revenue=Sum("lead__deal_value"))
        .order_by()
    )
    funnel = dict.fromkeys(FUNNEL_STATUSES, 0)
    funnel[S.NEW] = new_leads.total
    outcomes = Outcomes()
    lost_by_reason = defaultdict(int)
    mqls_by_source = defaultdict(int)
    won_by_source = defaultdict(int)
    first_touch = defaultdict(Decimal)
    for row in rows:
        status, count, point = row["to_status"], row["n"], points[row["bucket"]]
        if status == S.MQL:
            point.mqls += count
        elif status == S.WON:
            point.won += count
            point.revenue += row["revenue"] or ZERO
        if row["bucket"] != W or not count:
            continue
        funnel[status] += count
        slug = row["slug"]
        campaign = _campaign(campaigns, slug, row["campaign_name"]) if slug else None
        if status == S.MQL:
            mqls_by_source[row["source"]] += count
            if campaign:
                campaign.mqls += count
        elif status == S.WON:
            revenue = row["revenue"] or ZERO
            outcomes.won += count
            outcomes.revenue += revenue
            won_by_source[row["source"]] += count
            first_touch[row["source"]] += revenue
            if campaign:
                campaign.wins += count
                campaign.revenue += revenue
        elif status == S.LOST:
            outcomes.lost += count
            lost_by_reason[row["lost_reason"] or "unknown"] += count
    outcomes.lost_by_reason = _sorted_counts(lost_by_reason)
    outcomes.won_by_source = _sorted_counts(won_by_source)
    outcomes.revenue_by_source["first_touch"] = _sorted_money(first_touch)
    return funnel, _sorted_counts(mqls_by_source), outcomes


def _sorted_money(amounts):
    return {key: value for key, value in sorted(amounts.items(), key=lambda kv: (-kv[1], kv[0])) if value}


def _handoffs(weeks, points, level, now):
    """One grouped query: hand-offs created per week by outcome and reason, with deadline checks."""
    contact_deadline = Coalesce(
        "first_contact_deadline",
        ExpressionWrapper(
            F("responded_at") + datetime.timedelta(hours=level.hours_to_first_contact), output_field=DateTimeField()
        ),
    )
    accepted = Q(outcome=Handoff.Outcome.ACCEPTED)
    in_time = Q(responded_at__isnull=False, responded_at__lte=F("accept_deadline"))
    breach = Q(responded_at__gt=F("accept_deadline")) | Q(outcome=Handoff.Outcome.PENDING, accept_deadline__lt=now)
    contact_in_time = accepted & Q(first_contact_at__isnull=False, first_contact_at__lte=contact_deadline)
    # Accepted with no contact yet and the deadline still ahead is undecided, like a pending hand-off in time.
    contact_due = Q(first_contact_deadline__lt=now) | Q(
        first_contact_deadline__isnull=True,
        responded_at__lt=now - datetime.timedelta(hours=level.hours_to_first_contact),
    )
    contact_ahead = Q(first_contact_deadline__gte=now) | Q(
        first_contact_deadline__isnull=True,
        responded_at__gte=now - datetime.timedelta(hours=level.hours_to_first_contact),
    )
    contact_late = accepted & (
        Q(first_contact_at__gt=contact_deadline)
        | (Q(first_contact_at__isnull=True, responded_at__isnull=False) & contact_due)
    )
    W = len(weeks) - 1
    this_week = _in("created_at", weeks[W])
    rows = (
        Handoff.objects.filter(created_at__gte=weeks[0].start, created_at__lt=weeks[-1].end)
        .annotate(bucket=_bucket("created_at", weeks))
        .values("bucket", "outcome", "reject_reason", "assigned_to")
        .annotate(
            created=Count("id"),
            in_time=Count("id", filter=in_time),
            breaches=Count("id", filter=breach),
            contact_in_time=Count("id", filter=this_week & contact_in_time),
            contact_late=Count("id", filter=this_week & contact_late),
            over_capacity=Count("id", filter=this_week & Q(over_capacity=True)),
            # The figures change by time alone when a pending hand-off passes its deadline (a breach),
            # or an accepted one its first-contact deadline without contact (W's contact rate).
            next_breach=Min("accept_deadline", filter=Q(outcome=Handoff.Outcome.PENDING, accept_deadline__gte=now)),
            next_contact_due=Min(
                contact_deadline,
                filter=this_week & accepted & Q(first_contact_at__isnull=True) & contact_ahead,
            ),
        )
        .order_by()
    )
    figures = Handoffs()
    level_figures = ServiceLevelFigures()
    by_reason = defaultdict(int)
    contact_yes = contact_no = 0
    valid_until = [None] * len(weeks)
    for row in rows:
        outcome, count, point = row["outcome"], row["created"], points[row["bucket"]]
        for deadline in (row["next_breach"], row["next_contact_due"]):
            if deadline is not None and (valid_until[row["bucket"]] is None or deadline < valid_until[row["bucket"]]):
                valid_until[row["bucket"]] = deadline
        if outcome == Handoff.Outcome.ACCEPTED:
            point.accepted += count
        elif outcome == Handoff.Outcome.REJECTED:
            point.rejected += count
        point.responded_in_time += row["in_time"]
        point.breaches += row["breaches"]
        if row["bucket"] != W:
            continue
        figures.created += count
        figures.over_capacity += row["over_capacity"]
        if row["assigned_to"] is not None:
            figures.received_by_rep[row["assigned_to"]] = figures.received_by_rep.get(row["assigned_to"], 0) + count
        if outcome == Handoff.Outcome.ACCEPTED:
            figures.accepted += count
        elif outcome == Handoff.Outcome.REJECTED:
            figures.rejected += count
            if count:
                by_reason[row["reject_reason"]] += count
        else:
            figures.pending += count
        contact_yes += row["contact_in_time"]
        contact_no += row["contact_late"]
    figures.acceptance_rate = points[W].acceptance_rate
    figures.rejected_by_reason = _sorted_counts(by_reason)
    level_figures.responded_in_time = points[W].responded_in_time
    level_figures.breaches = points[W].breaches
    level_figures.responded_in_time_rate = points[W].responded_in_time_rate
    level_figures.first_contact_in_time_rate = _share(contact_yes, contact_yes + contact_no)
    return figures, level_figures, valid_until


def _median_hours_to_accept(week):
    """Median hours from hand-off to acceptance, over the week's accepted hand-offs (rows of the week)."""
    pairs = Handoff.objects.filter(_in("created_at", week), outcome=Handoff.Outcome.ACCEPTED).values_list(
        "created_at", "responded_at"
    )
    hours = [(answered - created).total_seconds() / 3600 for created, answered in pairs if answered]
    return round(statistics.median(hours), 1) if hours else None


def _spend(weeks, points, campaigns):
    """One grouped query: spend per campaign per week."""
    W = len(weeks) - 1
    rows = (
        Spend.objects.filter(date__gte=weeks[0].first_day, date__lte=weeks[-1].last_day)
        .annotate(bucket=_bucket("date", weeks, within=_on_days))
        .values("bucket", "campaign__slug", "campaign__name")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    for row in rows:
        amount = row["amount"] or ZERO
        points[row["bucket"]].spend += amount
        if row["bucket"] == W and amount:
            _campaign(campaigns, row["campaign__slug"], row["campaign__name"]).spend += amount
    return points[W].spend


def _attribute_revenue(week, outcomes):
    """Split the week's revenue by last touch before sql and linearly over touches (one query)."""
    won_in_week = StatusChange.objects.filter(_in("changed_at", week), to_status=S.WON)
    sql_entry = (
        StatusChange.objects.filter(lead=OuterRef("pk"), to_status=S.SQL).order_by("-changed_at").values("changed_at")
    )
    won_at = (
        StatusChange.objects.filter(lead=OuterRef("pk"), to_status=S.WON).order_by("-changed_at").values("changed_at")
    )
    last_touch = Touchpoint.objects.filter(lead=OuterRef("pk"), occurred_at__lte=OuterRef("sql_at")).order_by(
        "-occurred_at", "-id"
    )
    # One row per won lead and touch (a lead without touches: one row of NULLs), the lead's figures repeated.
    won_leads = (
        Lead.objects.filter(pk__in=won_in_week.values("lead_id"))
        .annotate(sql_at=Subquery(sql_entry[:1]), won_at=Subquery(won_at[:1]))
        .annotate(last_channel=Subquery(last_touch.values("channel")[:1]))
        .values_list(
            "pk", "source", "deal_value", "won_at", "last_channel", "touchpoints__channel", "touchpoints__occurred_at"
        )
        .order_by()
    )
    leads = {}
    touches = defaultdict(list)
    for pk, source, value, won, last_channel, channel, occurred_at in won_leads:
        leads[pk] = (source, value or ZERO, won, last_channel)
        if occurred_at is not None:
            touches[pk].append((channel, occurred_at))
    last = defaultdict(Decimal)
    linear = defaultdict(Decimal)
    for pk, (source, value, won, last_channel) in leads.items():
        last[last_channel or source] += value
        channels = [channel for channel, at in touches[pk] if won is None or at <= won]
        if not channels:
            linear[source] += value
            continue
        share = value / len(channels)
        for channel in channels:
            linear[channel] += share
    outcomes.revenue_by_source["last_touch"] = _sorted_money(last)
    outcomes.revenue_by_source["linear"] = _sorted_money(
        {key: amount.quantize(CENT, rounding=ROUND_HALF_UP) for key, amount in linear.items()}
    )


def _capacity(level, received):
    """One query: each active sales rep with open leads now, and the hand-offs waiting unassigned.

    ``received`` holds each rep's hand-offs of the week (from the week's hand-off query).
    """
    open_leads = (
        Lead.objects.filter(owner=OuterRef("pk"), status__in=OPEN_STATUSES)
        .order_by()
        .values("owner")
        .annotate(n=Count("*"))  # count(*), not count(id): the (owner, status) index answers it alone
        .values("n")
    )
    waiting = Handoff.objects.filter(outcome=Handoff.Outcome.PENDING, assigned_to__isnull=True)
    waiting_count = waiting.order_by().annotate(n=Func(F("id"), function="COUNT")).values("n")[:1]
    reps = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=SALES)
        .select_related("sales_rep")
        .annotate(
            open_leads=Coalesce(Subquery(open_leads, output_field=IntegerField()), 0),
            waiting=Subquery(waiting_count, output_field=IntegerField()),
        )
        .order_by("username")
    )
    reps = list(reps)
    rows = []
    for user in reps:
        rep = getattr(user, "sales_rep", None)
        capacity = rep.capacity if rep and rep.capacity is not None else level.default_rep_capacity
        rows.append(
            RepCapacity(
                rep=user.get_username(),
                name=user.get_full_name() or user.get_username(),
                open_leads=user.open_leads,
                capacity=capacity,
                handoffs_received=received.get(user.pk, 0),
            )
        )
    summary = CapacitySummary(
        capacity=sum(r.capacity for r in rows),
        open_leads=sum(r.open_leads for r in rows),
        free_seats=sum(r.free for r in rows),
        # The same on every row (an uncorrelated subquery, run once); counted apart only when no rep is listed.
        waiting_unassigned=reps[0].waiting if reps else waiting.count(),
    )
    return rows, summary


def _goal_totals(week):
    """Quarter to date, up to the end of W: distinct leads entering mql, sal and won, and the wins' revenue."""
    quarter = Quarter.of_week(week)
    window = Q(changed_at__gte=quarter.start, changed_at__lt=min(week.end, quarter.end))
    # One distinct count per status (grouped), not one per FILTER, read from the status history
    # alone; the revenue of the quarter's wins joins only the won leads (an uncorrelated
    # subquery: computed once). A won lead enters won once (won is final), so this sum is the
    # sum over the won entries.
    won_ids = StatusChange.objects.filter(window, to_status=S.WON).values("lead_id")
    revenue = (
        Lead.objects.filter(pk__in=won_ids)
        .order_by()
        .annotate(total=Func(F("deal_value"), function="SUM"))
        .values("total")
    )
    totals = {
        row["to_status"]: row
        for row in StatusChange.objects.filter(window, to_status__in=[S.MQL, S.SAL, S.WON])
        .values("to_status")
        .annotate(n=Count("lead_id", distinct=True), revenue=Subquery(revenue, output_field=DecimalField()))
        .order_by()
    }
    return {
        "mqls": totals.get(S.MQL, {}).get("n", 0),
        "accepted": totals.get(S.SAL, {}).get("n", 0),
        "wins": totals.get(S.WON, {}).get("n", 0),
        "revenue": totals.get(S.WON, {}).get("revenue") or ZERO,
    }


def _goal_progress(week, now, totals):
    """Quarter to date (up to the end of W) against the quarter's goals."""
    quarter = Quarter.of_week(week)
    until = min(week.end, quarter.end)
    start = quarter.start
    goal = QuarterlyGoal.objects.filter(year=quarter.year, quarter=quarter.number).first()
    span = (quarter.end - quarter.start).total_seconds()
    elapsed = max(0.0, min(1.0, (min(until, now) - start).total_seconds() / span))
    lines = [
        GoalLine("mqls", "MQLs", totals["mqls"], goal.mqls if goal else 0),
        GoalLine("accepted", "Accepted leads", totals["accepted"], goal.accepted if goal else 0),
        GoalLine("wins", "Wins", totals["wins"], goal.wins if goal else 0),
        GoalLine("revenue", "Revenue", totals["revenue"], goal.revenue if goal else ZERO, money=True),
    ]
    return GoalProgress(
        quarter=quarter, start=start, until=until, elapsed=round(elapsed, 4), has_goal=goal is not None, lines=lines
    )


def channel_label(value):
    """Return the display name of a channel value (or the value when unknown)."""
    try:
        return Channel(value).label
    except ValueError:
        return value
