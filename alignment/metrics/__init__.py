"""The weekly numbers: the one place that computes them (README, "Weekly numbers").

The dashboard, the report API and the digests all call :func:`weekly_metrics`. It runs a
fixed number of grouped aggregate queries over the rows of the nine weeks it reports (the
week and the eight before it, for the trend), whatever the number of leads: each query
groups by a week index and a handful of low-cardinality columns, using the week windows of
:mod:`crm.weeks`. On PostgreSQL the figures of complete weeks are stored (:mod:`alignment.metrics.rollups`)
and read back while none of the rows they came from has changed; spend, capacity and the
goal targets are always read live.

The package: ``figures`` (the shapes and their JSON), ``windows`` (rows into weeks),
``pipeline`` (new leads, funnel, outcomes, attribution), ``handoffs`` (hand-offs and the
service level), ``team`` (spend, capacity and goals, read live); this module puts them together.

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
* first contact (speed to lead, read live): alignment.metrics.contact;
* capacity: active users in the sales group, their open leads (sal, sql) now against
  SalesRep.capacity or the default, and hand-offs assigned to them created in W.
"""

from django.utils import timezone

from alignment.metrics import rollups
from alignment.metrics.contact import contact_time_field, first_contact_figures
from alignment.metrics.figures import (
    ATTRIBUTION_MODELS,
    CampaignFigures,
    Handoffs,
    NewLeads,
    Outcomes,
    ServiceLevelFigures,
    TrendPoint,
    WeekFigures,
    WeeklyMetrics,
    channel_label,
    money_str,
)
from alignment.metrics.handoffs import handoff_figures, median_hours_to_accept
from alignment.metrics.pipeline import attribute_revenue, new_leads_figures, status_change_figures
from alignment.metrics.team import capacity_figures, goal_progress, goal_totals, spend_figures
from crm.weeks import Week
from handoffs.models import ServiceLevel

__all__ = [
    "ATTRIBUTION_MODELS",
    "CampaignFigures",
    "Handoffs",
    "NewLeads",
    "Outcomes",
    "ServiceLevelFigures",
    "TrendPoint",
    "WeekFigures",
    "WeeklyMetrics",
    "channel_label",
    "contact_time_field",
    "money_str",
    "week_figures",
    "weekly_metrics",
]

TREND_WEEKS = 8


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
    spend = spend_figures(weeks, points, figures.campaigns)
    capacity, capacity_summary = capacity_figures(level, figures.handoffs.received_by_rep)

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
        goals=goal_progress(week, now, figures.goal_totals),
        first_contact=first_contact_figures(week, level),
    )


def week_figures(weeks, *, level, now):
    """Compute the figures of ``weeks`` (oldest first; the last is W, reported in detail) from their rows."""
    W = len(weeks) - 1
    points = [TrendPoint(week=w) for w in weeks]
    new_leads, campaigns = new_leads_figures(weeks, points)
    funnel, mqls_by_source, outcomes = status_change_figures(weeks, points, campaigns, new_leads)
    handoffs, service_level, valid_until = handoff_figures(weeks, points, level, now)
    handoffs.median_hours_to_accept = median_hours_to_accept(weeks[W])
    attribute_revenue(weeks[W], outcomes)
    return WeekFigures(
        points=points,
        new_leads=new_leads,
        funnel=funnel,
        mqls_by_source=mqls_by_source,
        handoffs=handoffs,
        service_level=service_level,
        outcomes=outcomes,
        campaigns=campaigns,
        goal_totals=goal_totals(weeks[W]),
        valid_until=valid_until,
    )
