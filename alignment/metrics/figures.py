"""The weekly numbers' shapes (dataclasses, JSON) and the money and rate formatting they share."""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from campaigns.models import Channel
from crm.weeks import Quarter, Week
from leads.models import Lead

ZERO = Decimal("0")


CENT = Decimal("0.01")


ATTRIBUTION_MODELS = ("first_touch", "last_touch", "linear")


FUNNEL_STATUSES = [s.value for s in Lead.Status]


S = Lead.Status


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
        return money_per(self.spend, self.new_leads)

    @property
    def cost_per_win(self):
        return money_per(self.spend, self.wins)

    @property
    def roi(self):
        if not self.spend:
            return None
        return as_rate((self.revenue - self.spend) / self.spend)


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
        return as_rate(Decimal(self.open_leads) / self.capacity) if self.capacity else None


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
        return share_of(self.accepted, self.accepted + self.rejected)

    @property
    def responded_in_time_rate(self):
        return share_of(self.responded_in_time, self.responded_in_time + self.breaches)

    @property
    def cost_per_lead(self):
        return money_per(self.spend, self.new_leads)


@dataclass
class GoalLine:
    key: str
    label: str
    actual: object
    target: object
    money: bool = False

    @property
    def progress(self):
        return as_rate(Decimal(self.actual) / Decimal(self.target)) if self.target else None


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
    first_contact: object = None  # alignment.metrics.contact.FirstContact (speed to lead), read live

    @property
    def complete(self):
        """Whether W had ended when the numbers were computed (else: the week so far)."""
        return self.computed_at >= self.end

    @property
    def cost_per_lead(self):
        return money_per(self.spend, self.new_leads.total)

    @property
    def previous(self):
        return self.trend[-1] if self.trend else None

    @property
    def chart_weeks(self):
        """The trend and W itself: nine weeks, oldest first."""
        return [*self.trend, self.this_week]

    def as_json(self):
        """Return the numbers in the report API's shape (README, "Weekly numbers" and "API")."""
        return {
            "week": self.week.label,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "currency": settings.CURRENCY,
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
            "first_contact": self.first_contact.as_json() if self.first_contact else None,
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


def money_str(amount):
    """Render money as a string with two places (None stays None)."""
    if amount is None:
        return None
    return str(Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP))


def as_rate(value):
    return float(round(Decimal(value), 4))


def share_of(part, whole):
    return as_rate(Decimal(part) / Decimal(whole)) if whole else None


def money_per(amount, count):
    if not count:
        return None
    return (Decimal(amount) / count).quantize(CENT, rounding=ROUND_HALF_UP)


def sorted_counts(counter):
    """Largest first, then by key, dropping zeros: stable for JSON and charts."""
    return {key: value for key, value in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])) if value}


@dataclass
class WeekFigures:
    """What the nine weeks' rows say, before spend, capacity and goal targets are added (those are read live).

    alignment.metrics.rollups stores this for complete weeks and gives it back while nothing it read has changed.
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


def sorted_money(amounts):
    return {key: value for key, value in sorted(amounts.items(), key=lambda kv: (-kv[1], kv[0])) if value}


def channel_label(value):
    """Return the display name of a channel value (or the value when unknown)."""
    try:
        return Channel(value).label
    except ValueError:
        return value
