"""Figures read live at every report: spend, rep capacity and the quarterly goals."""

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    DecimalField,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce

from alignment.metrics.figures import ZERO, CapacitySummary, GoalLine, GoalProgress, RepCapacity, S
from alignment.metrics.pipeline import campaign_row
from alignment.metrics.windows import on_days, week_index
from alignment.models import QuarterlyGoal
from campaigns.models import Spend
from crm.roles import SALES
from crm.weeks import Quarter
from handoffs.models import Handoff
from leads.models import OPEN_STATUSES, Lead, StatusChange


def spend_figures(weeks, points, campaigns):
    """One grouped query: spend per campaign per week."""
    W = len(weeks) - 1
    rows = (
        Spend.objects.filter(date__gte=weeks[0].first_day, date__lte=weeks[-1].last_day)
        .annotate(bucket=week_index("date", weeks, within=on_days))
        .values("bucket", "campaign__slug", "campaign__name")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    for row in rows:
        amount = row["amount"] or ZERO
        points[row["bucket"]].spend += amount
        if row["bucket"] == W and amount:
            campaign_row(campaigns, row["campaign__slug"], row["campaign__name"]).spend += amount
    return points[W].spend


def capacity_figures(level, received):
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


def goal_totals(week):
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


def goal_progress(week, now, totals):
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
