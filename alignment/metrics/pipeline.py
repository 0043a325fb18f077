"""New leads, the funnel, outcomes and revenue attribution of the weeks, from leads and status changes."""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    OuterRef,
    Subquery,
    Sum,
)

from alignment.metrics.figures import (
    CENT,
    FUNNEL_STATUSES,
    ZERO,
    CampaignFigures,
    NewLeads,
    Outcomes,
    S,
    sorted_counts,
    sorted_money,
)
from alignment.metrics.windows import in_week, only_in_week, week_index
from leads.models import Lead, StatusChange, Touchpoint


def campaign_row(campaigns, slug, name):
    if slug not in campaigns:
        campaigns[slug] = CampaignFigures(slug=slug, name=name)
    return campaigns[slug]


def new_leads_figures(weeks, points):
    """One grouped query: leads created per week by source, and W's by first-touch campaign."""
    W = len(weeks) - 1
    rows = (
        Lead.objects.filter(created_at__gte=weeks[0].start, created_at__lt=weeks[-1].end)
        .annotate(
            bucket=week_index("created_at", weeks),
            slug=only_in_week(weeks[W], "created_at", "first_touch_campaign__slug"),
            campaign_name=only_in_week(weeks[W], "created_at", "first_touch_campaign__name"),
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
            campaign_row(campaigns, slug, row["campaign_name"]).new_leads += count
    total = points[W].new_leads
    return NewLeads(total=total, by_source=sorted_counts(by_source), by_campaign=sorted_counts(by_campaign)), campaigns


def status_change_figures(weeks, points, campaigns, new_leads):
    """One grouped query: distinct leads entering each status per week, with revenue of wins."""
    entered = [S.MQL, S.SAL, S.SQL, S.WON, S.LOST, S.RECYCLED, S.DISQUALIFIED]
    W = len(weeks) - 1
    # to_status IN (...) lets the (to_status, changed_at) index serve the time range. Past weeks
    # group by (week, status) alone; W's rows also by the lead's source, reason and campaign.
    rows = (
        StatusChange.objects.filter(to_status__in=entered, changed_at__gte=weeks[0].start, changed_at__lt=weeks[-1].end)
        .annotate(
            bucket=week_index("changed_at", weeks),
            source=only_in_week(weeks[W], "changed_at", "lead__source"),
            lost_reason=only_in_week(weeks[W], "changed_at", "lead__lost_reason"),
            slug=only_in_week(weeks[W], "changed_at", "lead__first_touch_campaign__slug"),
            campaign_name=only_in_week(weeks[W], "changed_at", "lead__first_touch_campaign__name"),
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
        campaign = campaign_row(campaigns, slug, row["campaign_name"]) if slug else None
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
    outcomes.lost_by_reason = sorted_counts(lost_by_reason)
    outcomes.won_by_source = sorted_counts(won_by_source)
    outcomes.revenue_by_source["first_touch"] = sorted_money(first_touch)
    return funnel, sorted_counts(mqls_by_source), outcomes


def attribute_revenue(week, outcomes):
    """Split the week's revenue by last touch before sql and linearly over touches (one query)."""
    won_in_week = StatusChange.objects.filter(in_week("changed_at", week), to_status=S.WON)
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
    outcomes.revenue_by_source["last_touch"] = sorted_money(last)
    outcomes.revenue_by_source["linear"] = sorted_money(
        {key: amount.quantize(CENT, rounding=ROUND_HALF_UP) for key, amount in linear.items()}
    )
